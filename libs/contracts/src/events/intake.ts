import { z } from 'zod';
import { CanonicalAction } from '../action';
import { Digest, EventId, Reason, RequestId, Timestamp } from '../common';
import { EnvelopeSchema } from '../envelope';
import { IdentityId } from '../identity-id';
import { AgentContext } from '../run-attestation';

export const FieldErrorSchema = z.object({ path: z.string(), code: z.string(), message: z.string() });

export const RequestAcceptedV1 = z.strictObject({
  requestId: RequestId,
  requester: IdentityId,
  submissionId: EventId,
  action: CanonicalAction,
  digest: Digest,
  reason: Reason,
  acceptedAt: Timestamp,
  /**
   * The requester's signed `countersign.request.submitted.v1` envelope (id `submissionId`), exactly
   * as intake received it: the evidence the broker and the executor verify with their own trust
   * stores, so intake cannot accept a request nobody submitted (see submissionProblem). Optional in
   * the schema only so that an accepted event without it is refused (`submission_unproven`) rather
   * than dead-lettered; intake always sets it.
   */
  submission: EnvelopeSchema.optional(),
  /** For an agent workload's request: the workload, its verified run and the human it acts for. */
  agent: AgentContext.optional(),
});
export type RequestAcceptedV1 = z.infer<typeof RequestAcceptedV1>;

export const RequestRejectedV1 = z.strictObject({
  requestId: RequestId.optional(),
  requester: IdentityId,
  submissionId: EventId,
  errors: z.array(FieldErrorSchema).min(1),
  rejectedAt: Timestamp,
  /**
   * The requester's signed submission as intake received it, when intake refused what it asked for
   * (schema, registry, window) and the envelope is at most REJECTED_SUBMISSION_MAX_CHARS long, so
   * audit chains a submission that never crossed CS_SUBMISSIONS (HTTP) as it does for acceptances.
   */
  submission: EnvelopeSchema.optional(),
});
/** Above this (JSON characters), a rejection names the submission id only: the event must stay small. */
export const REJECTED_SUBMISSION_MAX_CHARS = 200 * 1024;
export type RequestRejectedV1 = z.infer<typeof RequestRejectedV1>;

/**
 * `escalated` is a milestone (the request went to a second group), not an ending. `joined`: the
 * submission asked for exactly what one of the requester's requests still pending asks for, so it
 * opened no second approval; `joinedRequestId` names that request, whose outcomes follow.
 */
export const OUTCOMES = ['accepted', 'rejected', 'escalated', 'approved', 'denied', 'expired', 'executed', 'failed', 'joined'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** What the requester hears, on its own notification subject. Expired is its own outcome. */
export const RequesterNotifiedV1 = z.strictObject({
  requestId: RequestId.optional(),
  submissionId: EventId.optional(),
  requester: IdentityId,
  outcome: z.enum(OUTCOMES),
  detail: z.string().max(2000).optional(),
  errors: z.array(FieldErrorSchema).optional(),
  causationEventId: EventId,
  notifiedAt: Timestamp,
  /** Outcome `joined` only: the pending request this submission joined (same requester, same action). */
  joinedRequestId: RequestId.optional(),
  /**
   * Outcome `accepted` only: the action as intake accepted it, so a requester (the MCP gateway) can
   * show its agent the very text approvers are shown (`renderAction` of this action).
   */
  action: CanonicalAction.optional(),
});
export type RequesterNotifiedV1 = z.infer<typeof RequesterNotifiedV1>;
