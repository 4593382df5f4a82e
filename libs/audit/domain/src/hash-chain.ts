import { RequestId, type AuditRecordV1, type Envelope } from '@countersign/contracts';
import { nextRecord, type ChainHead } from '@countersign/audit-chain';

// One implementation of the hash format, shared with the CLI and SIEM-side verifiers.
export { GENESIS, ZERO_HASH, recordHash, verifyChain } from '@countersign/audit-chain';
export type { ChainBreakCode, ChainHead, ChainVerification, UnhashedRecord } from '@countersign/audit-chain';

/** The request an envelope belongs to, if it names one; records without one still chain. */
export function requestIdOf(envelope: Envelope): string | undefined {
  const fromData = (envelope.data as { requestId?: unknown } | null)?.requestId;
  const candidate = typeof fromData === 'string' ? fromData : envelope.correlationid;
  return RequestId.safeParse(candidate).success ? candidate : undefined;
}

/** The next link: the whole signed envelope, so a reader can re-verify its signature offline. */
export function appendRecord(head: ChainHead, envelope: Envelope, recordedAt: string): AuditRecordV1 {
  return nextRecord(head, { ...envelope }, recordedAt, requestIdOf(envelope));
}
