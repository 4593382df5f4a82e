import { z } from 'zod';
import { Digest, RequestId, Timestamp } from '../common';

export const ExecutionStartedV1 = z.strictObject({
  requestId: RequestId,
  digest: Digest,
  credentialId: z.uuid(),
  startedAt: Timestamp,
});
export type ExecutionStartedV1 = z.infer<typeof ExecutionStartedV1>;

export const ExecutionSucceededV1 = z.strictObject({
  requestId: RequestId,
  digest: Digest,
  credentialId: z.uuid(),
  result: z.strictObject({ status: z.number().int(), summary: z.string().max(2000).optional() }),
  finishedAt: Timestamp,
});
export type ExecutionSucceededV1 = z.infer<typeof ExecutionSucceededV1>;

export const ExecutionFailedV1 = z.strictObject({
  requestId: RequestId,
  digest: Digest,
  credentialId: z.uuid(),
  error: z.strictObject({ code: z.string().max(64), message: z.string().max(2000) }),
  finishedAt: Timestamp,
});
export type ExecutionFailedV1 = z.infer<typeof ExecutionFailedV1>;

/** A claim with no recorded result: the action may or may not have happened. Never re-run. */
export const ExecutionInDoubtV1 = z.strictObject({
  requestId: RequestId,
  digest: Digest,
  credentialId: z.uuid(),
  reason: z.string().max(500),
  detectedAt: Timestamp,
});
export type ExecutionInDoubtV1 = z.infer<typeof ExecutionInDoubtV1>;

export const EXECUTION_REFUSAL_CODES = [
  'chain_incomplete',
  'signature_invalid',
  'digest_mismatch',
  'identities_not_distinct',
  'window_closed',
  'credential_invalid',
  'already_claimed',
  'unsupported_action',
  /** The tier required step-up, but an approver's vote was not signed with their own key (a Slack click). */
  'step_up_missing',
  /** Audit's receipt for this approval contradicts it (another digest or other evidence): audit recorded something else. */
  'audit_receipt_invalid',
  /** The pinned policy routes this request to another policy version, tier or mode than the approval claims. */
  'policy_mismatch',
  /** The approval's evidence does not re-check: too few distinct, eligible approvers' own signed votes naming this digest. */
  'quorum_unproven',
  /** The accepted request's registry facts (environment, sensitivity, owner, address) are not the ones this service's own target registry gives its target, or the target does not admit this kind or requester. */
  'registry_mismatch',
  /** The accepted request carries no signed submission of its requester that verifies and says what was accepted (signer, submission id, request id, action). */
  'submission_unproven',
] as const;

export const ExecutionRefusedV1 = z.strictObject({
  requestId: RequestId,
  code: z.enum(EXECUTION_REFUSAL_CODES),
  message: z.string().max(500),
  refusedAt: Timestamp,
});
export type ExecutionRefusedV1 = z.infer<typeof ExecutionRefusedV1>;
