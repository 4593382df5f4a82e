import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { EventTypes, type ApprovalRequestedV1 } from '@countersign/contracts';
import { DueWork, RUNTIME, type DomainEvent, type ScheduleChange, type ServiceRuntime } from '@countersign/service-runtime';
import { ApprovalService } from './approval.service';

const RESOLUTIONS: readonly string[] = [EventTypes.RequestApproved, EventTypes.RequestDenied, EventTypes.RequestExpired];

/** Pending approvals expire on time even if no vote ever arrives again. Expired is never denied. */
export function expirySchedule(event: DomainEvent): ScheduleChange {
  const requestId = (event.data as { requestId?: string }).requestId;
  if (!requestId) return undefined;
  if (event.type === EventTypes.ApprovalRequested) return { key: requestId, dueAt: (event.data as ApprovalRequestedV1).expiresAt };
  return RESOLUTIONS.includes(event.type) ? { key: requestId, dueAt: null } : undefined;
}

@Injectable()
export class ExpiryTimer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly work: DueWork;

  constructor(@Inject(RUNTIME) runtime: ServiceRuntime, approval: ApprovalService) {
    this.work = new DueWork(runtime, expirySchedule, (requestId) => approval.expireIfDue(requestId));
  }

  onApplicationBootstrap(): void {
    this.work.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.work.stop();
  }
}
