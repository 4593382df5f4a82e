import { z } from 'zod';
import { ActionRequest } from '../action';
import { Digest, Reason, RequestId } from '../common';

/** Published by an upstream system on its own submission subject. */
export const RequestSubmittedV1 = z.strictObject({
  requestId: RequestId,
  action: ActionRequest,
  reason: Reason,
});
export type RequestSubmittedV1 = z.infer<typeof RequestSubmittedV1>;

/** Published by an approver (bot, CLI or the Slack edge) on its own vote subject. */
export const VoteCastV1 = z.strictObject({
  requestId: RequestId,
  digest: Digest,
  decision: z.enum(['approve', 'deny']),
  reason: Reason.optional(),
  /**
   * A vote on the after-the-fact review of a break-glass approval rather than on the request:
   * approve upholds the emergency decision, deny disputes it. Either closes the review.
   */
  review: z.literal(true).optional(),
});
export type VoteCastV1 = z.infer<typeof VoteCastV1>;
