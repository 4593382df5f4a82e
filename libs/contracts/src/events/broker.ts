import { z } from 'zod';
import { Digest, EventId, RequestId, Timestamp } from '../common';
import { IdentityId } from '../identity-id';

/**
 * The credential, sealed to the executor's X25519 key: ephemeral-static ECDH, HKDF-SHA256,
 * AES-256-GCM with the request id and digest as associated data. The bus and audit see only this.
 */
export const SealedBox = z.strictObject({
  alg: z.literal('X25519-HKDF-SHA256-A256GCM'),
  recipientKeyId: z.string().min(1).max(128),
  epk: z.string().min(1).max(128),
  iv: z.string().min(1).max(64),
  ciphertext: z.string().min(1).max(16384),
  tag: z.string().min(1).max(64),
});
export type SealedBox = z.infer<typeof SealedBox>;

export const CredentialIssuedV1 = z.strictObject({
  requestId: RequestId,
  digest: Digest,
  credentialId: z.uuid(),
  executor: IdentityId,
  approvalEventId: EventId,
  notBefore: Timestamp,
  expiresAt: Timestamp,
  sealed: SealedBox,
  issuedAt: Timestamp,
});
export type CredentialIssuedV1 = z.infer<typeof CredentialIssuedV1>;

export const CREDENTIAL_REFUSAL_CODES = [
  'approval_not_genuine',
  'digest_mismatch',
  'requester_approved',
  'window_closed',
  'request_unknown',
  'already_issued',
  /** The approval says its tier required step-up, yet an approver's vote was not signed with their own key (e.g. a Slack click). */
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

export const CredentialRefusedV1 = z.strictObject({
  requestId: RequestId,
  approvalEventId: EventId,
  code: z.enum(CREDENTIAL_REFUSAL_CODES),
  message: z.string().max(500),
  refusedAt: Timestamp,
});
export type CredentialRefusedV1 = z.infer<typeof CredentialRefusedV1>;

export const CredentialRevokedV1 = z.strictObject({
  requestId: RequestId,
  credentialId: z.uuid(),
  reason: z.enum(['execution_completed', 'window_ended']),
  revokedAt: Timestamp,
});
export type CredentialRevokedV1 = z.infer<typeof CredentialRevokedV1>;
