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

/**
 * A grant on a real system that backs a credential (issue 13): a PostgreSQL login role, an SSH
 * certificate. Only its public handle (role name, certificate serial) is ever published; the secret
 * that goes with it travels sealed to the executor inside the credential.
 */
export const SystemGrant = z.strictObject({
  /** The action kind whose issuer made it (`postgres.sql`, `ssh.command`). */
  kind: z.string().min(1).max(64),
  /** What revocation needs on the system: a role name, a certificate serial. Never a secret. */
  handle: z.string().min(1).max(128),
});
export type SystemGrant = z.infer<typeof SystemGrant>;

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
  /** Present for system-backed kinds: the grant made on the target system for this credential. */
  grant: SystemGrant.optional(),
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
  /** The target system's issuer refused the grant the action asks for (a grant the registry does not allow for the target, parameters it cannot issue for, or no issuer configured for the target). */
  'grant_refused',
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
  /**
   * Present when a grant on a real system backs the credential: its revocation there is now due
   * (durable work in the broker, retried until a `grant.revoked` event records it done).
   */
  grant: SystemGrant.optional(),
});
export type CredentialRevokedV1 = z.infer<typeof CredentialRevokedV1>;

/**
 * The broker revoked a grant on the target system (the PostgreSQL role is dropped, the SSH
 * certificate's serial is in the revocation list). `never_issued`: the grant was made but its
 * credential was never recorded (the broker stopped in between) and its window has ended.
 */
export const GrantRevokedV1 = z.strictObject({
  requestId: RequestId,
  credentialId: z.uuid(),
  target: z.string().min(1).max(64),
  grant: SystemGrant,
  reason: z.enum(['execution_completed', 'window_ended', 'never_issued']),
  revokedAt: Timestamp,
});
export type GrantRevokedV1 = z.infer<typeof GrantRevokedV1>;
