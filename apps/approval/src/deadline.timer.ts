import { Inject, Injectable } from '@nestjs/common';
import { DEADLINE_EVENT_TYPES, deadlineAfter } from '@countersign/approval-domain';
import {
  dueKeysOnly,
  RUNTIME,
  ScheduledWork,
  type DomainEvent,
  type Schedule,
  type ScheduleChange,
  type ServiceRuntime,
} from '@countersign/service-runtime';
import { ApprovalService } from './approval.service';

/** The domain's deadline for the request an event belongs to (deadlineAfter), keyed by request id. */
export function deadlineSchedule(event: DomainEvent): ScheduleChange {
  const requestId = (event.data as { requestId?: string }).requestId;
  const dueAt = requestId ? deadlineAfter(event) : undefined;
  return dueAt === undefined || !requestId ? undefined : { key: requestId, dueAt };
}

export const deadlines: Schedule = {
  types: DEADLINE_EVENT_TYPES,
  change: deadlineSchedule,
  snapshots: dueKeysOnly('$schedule-approval-deadlines'),
};

/**
 * Deadlines happen on time even if no vote ever arrives again; the decider's CheckDeadlines is
 * idempotent, so firing early or twice changes nothing.
 */
@Injectable()
export class DeadlineTimer extends ScheduledWork {
  constructor(@Inject(RUNTIME) runtime: ServiceRuntime, approval: ApprovalService) {
    super(runtime, deadlines, (requestId) => approval.checkDeadlines(requestId));
  }
}
