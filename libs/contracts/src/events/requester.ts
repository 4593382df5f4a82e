import { z } from 'zod';
import { ActionRequest } from '../action';
import { Digest, Reason, RequestId } from '../common';
import { EnvelopeSchema } from '../envelope';
import { IdentityId } from '../identity-id';

/** Published by an upstream system on its own submission subject. */
export const RequestSubmittedV1 = z.strictObject({
  requestId: RequestId,
  action: ActionRequest,
  reason: Reason,
  /**
   * The workload's signed `countersign.run.attested.v1` envelope (run-attestation.ts): required
   * from a requester registered as an agent workload, refused from any other.
   */
  run: EnvelopeSchema.optional(),
});
export type RequestSubmittedV1 = z.infer<typeof RequestSubmittedV1>;

/** Published by an approver (bot, CLI or the Slack edge) on its own vote subject. */
export const VoteCastV1 = z.strictObject({
  requestId: RequestId,
  digest: Digest,
  /** The digest of the rendering the approver was shown (`approval.requested`'s renderingDigest). */
  renderingDigest: Digest,
  decision: z.enum(['approve', 'deny']),
  reason: Reason.optional(),
  /**
   * A vote on the after-the-fact review of a break-glass approval rather than on the request:
   * approve upholds the emergency decision, deny disputes it. Either closes the review.
   */
  review: z.literal(true).optional(),
});
export type VoteCastV1 = z.infer<typeof VoteCastV1>;

/** A Slack user, by the ids Slack itself uses (team `T…`/`E…`, user `U…`/`W…`). */
export const SlackUser = z.strictObject({
  teamId: z.string().regex(/^[TE][A-Z0-9]{2,20}$/, 'a Slack team id like T0123ABCD'),
  userId: z.string().regex(/^[UW][A-Z0-9]{2,20}$/, 'a Slack user id like U0123ABCD'),
});
export type SlackUser = z.infer<typeof SlackUser>;

/**
 * Published by a channel (the Slack edge) on its own subject: a person's click, verified against
 * Slack's request signature and deduplicated by the edge. The approval service maps `slack` to an
 * approver through the registry itself and refuses the vote when that is not `approver`.
 */
export const VoteRelayedV1 = z.strictObject({
  requestId: RequestId,
  digest: Digest,
  /** The digest of the rendering the approver was shown (`approval.requested`'s renderingDigest). */
  renderingDigest: Digest,
  decision: z.enum(['approve', 'deny']),
  reason: Reason.optional(),
  review: z.literal(true).optional(),
  /** The approver the edge mapped the Slack user to. */
  approver: IdentityId,
  slack: SlackUser.extend({
    /** Slack's `actions[0].action_ts`: with the user, what makes one click one vote. */
    actionTs: z.string().regex(/^\d{1,12}\.\d{1,8}$/, "Slack's action_ts like 1732190000.123456"),
  }),
});
export type VoteRelayedV1 = z.infer<typeof VoteRelayedV1>;
