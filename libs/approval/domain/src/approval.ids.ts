import { deterministicId } from '@countersign/contracts';
import type { TimedEvent } from '@countersign/decider';

/**
 * Tags for `deterministicId(cause, tag)`. Events answering a vote hash the vote id; resolutions
 * hash the request id, so even a buggy replay could only ever re-append the one resolution.
 */
export const IdTags = {
  opened: 'approval.opened',
  requested: 'approval.requested',
  voteRecorded: 'vote.recorded',
  voteKept: 'approval.vote.kept',
  voteRejected: 'vote.rejected',
  approved: 'request.approved',
  denied: 'request.denied',
  expired: 'request.expired',
  escalated: 'approval.escalated',
  reviewRequired: 'review.required',
  reviewEscalated: 'review.escalated',
  reviewOverdue: 'review.overdue',
  reviewCompleted: 'review.completed',
} as const;

/** Leaves an absent reason out rather than writing `undefined`, so events compare and sign cleanly. */
export function optionalReason(reason: string | undefined): { reason?: string } {
  return reason === undefined ? {} : { reason };
}

/** An approval event: its id from its cause and tag (a redelivered command decides the very same id), timed when decided. */
export function decidedEvent<Type extends string, Data>(
  type: Type,
  cause: string,
  tag: string,
  now: string,
  data: Data,
): TimedEvent<Type, Data> {
  return { id: deterministicId(cause, tag), type, time: now, data };
}
