import { z } from 'zod';
import { Digest, EventId, Reason, RequestId, Timestamp } from '../common';
import { IdentityId } from '../identity-id';
import { PolicyStamp } from './approval';

/**
 * The after-the-fact review every break-glass approval owes. Emitted by approval together with the
 * RequestApproved it reviews; the review stays open (and flagged on the audit stream) until a
 * reviewer closes it with a review vote (VoteCast with `review: true`).
 */
export const ReviewRequiredV1 = z.strictObject({
  requestId: RequestId,
  digest: Digest,
  requester: IdentityId,
  policy: PolicyStamp,
  /** Who approved the emergency; none of them may review it. */
  approvers: z.array(IdentityId).min(1),
  reviewGroups: z.array(z.string()).min(1),
  dueAt: Timestamp,
  /** When the review goes to more groups if nobody has closed it; absent when it never does. */
  escalatesAt: Timestamp.optional(),
  requiredAt: Timestamp,
});
export type ReviewRequiredV1 = z.infer<typeof ReviewRequiredV1>;

/** Nobody reviewed in time: more groups may now close the review. */
export const ReviewEscalatedV1 = z.strictObject({
  requestId: RequestId,
  digest: Digest,
  policy: PolicyStamp,
  addedGroups: z.array(z.string()).min(1),
  reviewGroups: z.array(z.string()).min(1),
  dueAt: Timestamp,
  escalatedAt: Timestamp,
});
export type ReviewEscalatedV1 = z.infer<typeof ReviewEscalatedV1>;

/** The review's deadline passed and it is still open. It stays open: a review never expires. */
export const ReviewOverdueV1 = z.strictObject({
  requestId: RequestId,
  digest: Digest,
  policy: PolicyStamp,
  reviewGroups: z.array(z.string()).min(1),
  dueAt: Timestamp,
  overdueAt: Timestamp,
});
export type ReviewOverdueV1 = z.infer<typeof ReviewOverdueV1>;

/** A reviewer closed the review: `upheld` (the emergency use was right) or `disputed`. */
export const ReviewCompletedV1 = z.strictObject({
  requestId: RequestId,
  digest: Digest,
  policy: PolicyStamp,
  reviewer: IdentityId,
  voteId: EventId,
  verdict: z.enum(['upheld', 'disputed']),
  reason: Reason.optional(),
  /** Closed after its deadline. */
  late: z.boolean(),
  completedAt: Timestamp,
});
export type ReviewCompletedV1 = z.infer<typeof ReviewCompletedV1>;
