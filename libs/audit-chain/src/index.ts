import { AuditRecordV1, canonicalJson, sha256Hex } from '@countersign/contracts';

/**
 * The audit hash chain, shared by the audit service that writes it and by every reader that checks
 * it (the CLI, a SIEM): each record's hash covers its canonical JSON without `hash`, and names the
 * previous record's hash, so changing, removing, inserting or reordering any record breaks a link.
 */
export const ZERO_HASH = '0'.repeat(64);

export type UnhashedRecord = Omit<AuditRecordV1, 'hash'>;

export function recordHash(record: UnhashedRecord): string {
  const { hash: _ignored, ...rest } = record as AuditRecordV1;
  return sha256Hex(canonicalJson(rest));
}

export interface ChainHead {
  sequence: number;
  hash: string;
}

export const GENESIS: ChainHead = { sequence: 0, hash: ZERO_HASH };

export function nextRecord(head: ChainHead, event: Record<string, unknown>, recordedAt: string, requestId?: string): AuditRecordV1 {
  const unhashed: UnhashedRecord = {
    sequence: head.sequence + 1,
    previousHash: head.hash,
    recordedAt,
    ...(requestId === undefined ? {} : { requestId }),
    event,
  };
  return { ...unhashed, hash: recordHash(unhashed) };
}

export type ChainBreakCode = 'malformed' | 'sequence_gap' | 'broken_link' | 'hash_mismatch';
export type ChainVerification =
  { ok: true; count: number; head: ChainHead } | { ok: false; index: number; code: ChainBreakCode; message: string };

/** Checks a run of records from the start of the chain (or from `from`, a trusted earlier head). */
export function verifyChain(records: readonly unknown[], from: ChainHead = GENESIS): ChainVerification {
  let head = from;
  for (const [index, candidate] of records.entries()) {
    const parsed = AuditRecordV1.safeParse(candidate);
    if (!parsed.success) return { ok: false, index, code: 'malformed', message: parsed.error.issues[0]?.message ?? 'malformed record' };
    const record = parsed.data;
    if (record.sequence !== head.sequence + 1)
      return { ok: false, index, code: 'sequence_gap', message: `expected sequence ${head.sequence + 1}, found ${record.sequence}` };
    if (record.previousHash !== head.hash)
      return { ok: false, index, code: 'broken_link', message: `record ${record.sequence} does not follow ${head.hash}` };
    if (recordHash(record) !== record.hash)
      return { ok: false, index, code: 'hash_mismatch', message: `record ${record.sequence} was altered` };
    head = { sequence: record.sequence, hash: record.hash };
  }
  return { ok: true, count: records.length, head };
}

// The RFC 9162 Merkle tree over the same records (inclusion and consistency proofs, checkpoints).
export * from './merkle';
