import type { ApprovalFacts } from '@countersign/approval-evidence';
import type {
  AuditReceiptV1,
  CREDENTIAL_REFUSAL_CODES,
  CredentialRevokedV1,
  Envelope,
  RequestAcceptedV1,
  RequestApprovedV1,
  SealedBox,
  SystemGrant,
} from '@countersign/contracts';

export type CredentialRefusalCode = (typeof CREDENTIAL_REFUSAL_CODES)[number];
export type RevocationReason = CredentialRevokedV1['reason'];

/** Intake's signed RequestAccepted, already verified by the shell's trust store. */
export interface RecordAcceptedRequest {
  type: 'RecordAcceptedRequest';
  accepted: Envelope<RequestAcceptedV1>;
}

/**
 * The shell minted and sealed a credential for these terms (from `issuanceTerms` with the same
 * `now`); the decider re-checks everything before the credential may leave the broker.
 */
export interface IssueCredential {
  type: 'IssueCredential';
  approval: Envelope<RequestApprovedV1>;
  /** Every audit receipt held for the request: one must prove audit chained this approval (audit-gate.ts). */
  receipts: readonly Envelope<AuditReceiptV1>[];
  /** What the shell gathered to re-check the approval against the pinned policy (see credentialTerms). */
  facts: ApprovalFacts;
  now: string;
  credentialId: string;
  executor: string;
  sealed: SealedBox;
  notBefore: string;
  expiresAt: string;
  /** The grant made on the target system, for system-backed kinds: it must be the one intended. */
  grant?: SystemGrant;
}

export interface RefuseCredential {
  type: 'RefuseCredential';
  approval: Envelope<RequestApprovedV1>;
  now: string;
  code: CredentialRefusalCode;
  message: string;
}

/** `causeId` is the event that ended the credential (an execution result, or the issuance for a timer). */
export interface RevokeCredential {
  type: 'RevokeCredential';
  requestId: string;
  reason: RevocationReason;
  causeId: string;
  now: string;
}

/** The shell is about to make this grant on the target system (see GrantIntendedType). */
export interface IntendGrant {
  type: 'IntendGrant';
  requestId: string;
  credentialId: string;
  target: string;
  grant: SystemGrant;
  expiresAt: string;
  now: string;
}

/** The shell revoked the grant on the target system; recorded only when that was due (grantRevocationDue). */
export interface RecordGrantRevoked {
  type: 'RecordGrantRevoked';
  requestId: string;
  now: string;
}

export type CredentialCommand =
  RecordAcceptedRequest | IssueCredential | RefuseCredential | RevokeCredential | IntendGrant | RecordGrantRevoked;
