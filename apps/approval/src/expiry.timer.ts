import { Inject, Injectable } from '@nestjs/common';
import { EventTypes, type ApprovalRequestedV1 } from '@countersign/contracts';
import { RUNTIME, ScheduledWork, type DomainEvent, type ScheduleChange, type ServiceRuntime } from '@countersign/service-runtime';
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
export class ExpiryTimer extends ScheduledWork {
  constructor(@Inject(RUNTIME) runtime: ServiceRuntime, approval: ApprovalService) {
    super(runtime, expirySchedule, (requestId) => approval.expireIfDue(requestId));
  }
}
