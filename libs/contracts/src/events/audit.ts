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
