import { Inject, Injectable } from '@nestjs/common';
import { EventTypes, type EventData } from '@countersign/contracts';
import { LocalEventTypes, type ApprovalOpenedData } from '@countersign/approval-domain';
import { RUNTIME, ScheduledWork, type DomainEvent, type ScheduleChange, type ServiceRuntime } from '@countersign/service-runtime';
import { ApprovalService } from './approval.service';

/** Events after which nothing more falls due for the request (a break-glass review re-schedules it). */
const SETTLED: readonly string[] = [
  EventTypes.RequestApproved,
  EventTypes.RequestDenied,
  EventTypes.RequestExpired,
  EventTypes.ReviewOverdue,
  EventTypes.ReviewCompleted,
];

/**
 * Deadlines happen on time even if no vote ever arrives again: a pending approval escalates and
 * then expires (expired is never denied); an open break-glass review escalates and then is flagged
 * overdue. Each key is a request id; the decider's CheckDeadlines is idempotent.
 */
export function deadlineSchedule(event: DomainEvent): ScheduleChange {
  const requestId = (event.data as { requestId?: string }).requestId;
  if (!requestId) return undefined;
  const due = (dueAt: string): ScheduleChange => ({ key: requestId, dueAt });
  switch (event.type) {
    case LocalEventTypes.ApprovalOpened: {
      const opened = event.data as ApprovalOpenedData;
      return opened.mode === 'quorum' ? due(opened.escalation?.escalatesAt ?? opened.expiresAt) : undefined;
    }
    case EventTypes.ApprovalEscalated:
      return due((event.data as EventData<typeof EventTypes.ApprovalEscalated>).expiresAt);
    case EventTypes.ReviewRequired: {
      const review = event.data as EventData<typeof EventTypes.ReviewRequired>;
      return due(review.escalatesAt ?? review.dueAt);
    }
    case EventTypes.ReviewEscalated:
      return due((event.data as EventData<typeof EventTypes.ReviewEscalated>).dueAt);
    default:
      return SETTLED.includes(event.type) ? { key: requestId, dueAt: null } : undefined;
  }
}

@Injectable()
export class DeadlineTimer extends ScheduledWork {
  constructor(@Inject(RUNTIME) runtime: ServiceRuntime, approval: ApprovalService) {
    super(runtime, deadlineSchedule, (requestId) => approval.checkDeadlines(requestId));
  }
}
