import { z } from 'zod';
import { Digest, EventId, RequestId, Timestamp } from '../common';
import { IdentityId } from '../identity-id';

/**
 * One link of the audit hash chain. `hash` is SHA-256 over the canonical JSON of the record
 * without `hash`; `previousHash` is the hash of the record before (64 zeros for the first).
 */
export const AuditRecordV1 = z.strictObject({
  sequence: z.number().int().min(1),
  previousHash: Digest,
  hash: Digest,
  recordedAt: Timestamp,
  requestId: RequestId.optional(),
  event: z.record(z.string(), z.unknown()),
});
export type AuditRecordV1 = z.infer<typeof AuditRecordV1>;

export const CustodyRole = z.enum(['requester', 'approver', 'broker', 'executor']);

export const AuditViolationV1 = z.strictObject({
  requestId: RequestId,
  violations: z.array(z.strictObject({ code: z.string().max(64), message: z.string().max(500) })).min(1),
  detectedAt: Timestamp,
});
export type AuditViolationV1 = z.infer<typeof AuditViolationV1>;

export const CustodyVerifiedV1 = z.strictObject({
  requestId: RequestId,
  custody: z.array(z.strictObject({ role: CustodyRole, identity: IdentityId, eventId: EventId })).min(4),
  verifiedAt: Timestamp,
});
export type CustodyVerifiedV1 = z.infer<typeof CustodyVerifiedV1>;

/**
 * Audit's word that it chained a request's approval before anything may act on it: the gate the
 * broker (before it issues a credential) and the executor (before it executes) both require.
 * `evidenceHash` is SHA-256 over the canonical JSON of the approved envelope exactly as audit chained
 * it (signature and any evidence it carries included), so a receipt covers those bytes and no
 * others; `sequence` and `recordHash` locate that record in the hash chain for an offline verifier.
 */
export const AuditReceiptV1 = z.strictObject({
  requestId: RequestId,
  approvedEventId: EventId,
  digest: Digest,
  evidenceHash: Digest,
  sequence: z.number().int().min(1),
  recordHash: Digest,
  recordedAt: Timestamp,
});
export type AuditReceiptV1 = z.infer<typeof AuditReceiptV1>;

/**
 * Audit's signed word on the whole log so far: the RFC 9162 Merkle tree hash over its first
 * `treeSize` records (leaf i = record with sequence i + 1, leaf input = the record's JCS canonical
 * JSON; see libs/audit-chain/src/merkle). `lastRecordHash` ties it to the hash chain's head. A
 * reader that keeps one checkpoint can later prove any newer log extends it (consistency proof) or
 * that a record is in it (inclusion proof), and notices a truncated or rewritten log.
 */
export const AuditCheckpointV1 = z.strictObject({
  origin: z.literal('countersign.audit'),
  treeSize: z.number().int().min(1),
  rootHash: Digest,
  lastRecordHash: Digest,
  checkpointAt: Timestamp,
});
export type AuditCheckpointV1 = z.infer<typeof AuditCheckpointV1>;

/**
 * Something a SIEM should see that is not a broken chain of custody: a vote approval refused, a
 * replayed message, a dead letter. `audit.violation` stays for an executed (or approved) chain that
 * is wrong; a finding never says that. `eventId` is the recorded event that raised it.
 */
export const AUDIT_FINDING_KINDS = ['vote_refused', 'replay', 'dead_letter'] as const;
export const AUDIT_FINDING_SEVERITIES = ['low', 'medium', 'high'] as const;
export const AuditFindingV1 = z.strictObject({
  kind: z.enum(AUDIT_FINDING_KINDS),
  severity: z.enum(AUDIT_FINDING_SEVERITIES),
  code: z.string().max(64),
  message: z.string().max(500),
  eventId: EventId,
  requestId: RequestId.optional(),
  signer: IdentityId.optional(),
  detectedAt: Timestamp,
});
export type AuditFindingV1 = z.infer<typeof AuditFindingV1>;
