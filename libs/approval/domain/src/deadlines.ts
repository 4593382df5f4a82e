import { EventTypes, type EventData } from '@countersign/contracts';
import { LocalEventTypes, type ApprovalOpenedData } from './approval.events';

/** Events after which nothing more falls due for the request (a break-glass review re-schedules it). */
const SETTLED: readonly string[] = [
  EventTypes.RequestApproved,
  EventTypes.RequestDenied,
  EventTypes.RequestExpired,
  EventTypes.ReviewOverdue,
  EventTypes.ReviewCompleted,
];

/** Every event type deadlineAfter gives a deadline (or clears one) for; it ignores the rest. */
export const DEADLINE_EVENT_TYPES: readonly string[] = [
  LocalEventTypes.ApprovalOpened,
  EventTypes.ApprovalEscalated,
  EventTypes.ReviewRequired,
  EventTypes.ReviewEscalated,
  ...SETTLED,
];

/**
 * When CheckDeadlines must next run for the request after this event of its stream: a time, `null`
 * once nothing more falls due, or undefined when the event changes nothing. A pending approval
 * escalates and then expires; an open break-glass review escalates and then is flagged overdue.
 * The shell's timer indexes the store with it, so it needs no state: each event carries its time.
 */
export function deadlineAfter(event: { type: string; data: unknown }): string | null | undefined {
  switch (event.type) {
    case LocalEventTypes.ApprovalOpened: {
      const opened = event.data as ApprovalOpenedData;
      return opened.mode === 'quorum' ? (opened.escalation?.escalatesAt ?? opened.expiresAt) : undefined;
    }
    case EventTypes.ApprovalEscalated:
      return (event.data as EventData<typeof EventTypes.ApprovalEscalated>).expiresAt;
    case EventTypes.ReviewRequired: {
      const review = event.data as EventData<typeof EventTypes.ReviewRequired>;
      return review.escalatesAt ?? review.dueAt;
    }
    case EventTypes.ReviewEscalated:
      return (event.data as EventData<typeof EventTypes.ReviewEscalated>).dueAt;
    default:
      return SETTLED.includes(event.type) ? null : undefined;
  }
}
