import { recordHash, type ChainHead } from '@countersign/audit-chain';
import { type AuditRecordV1, EventTypes, SERVICE_IDS } from '@countersign/contracts';
import type { Verification } from '@countersign/identity';

export type RecordVerdict =
  | { kind: 'next'; record: AuditRecordV1 }
  | { kind: 'already_delivered'; sequence: number }
  | { kind: 'checkpoint' }
  | { kind: 'broken'; problem: string };

/**
 * Decides what to do with one message of CS_AUDIT, given the last record every sink accepted.
 * Fail closed: a record that is not audit's, does not link or was altered is never forwarded; the
 * forwarder stops on it so that the SIEM's copy never silently diverges from the chain.
 */
export function judgeRecord(verification: Verification, head: ChainHead): RecordVerdict {
  if (!verification.ok) return { kind: 'broken', problem: `wrapper does not verify: ${verification.code}` };
  // Audit's signed Merkle checkpoints share CS_AUDIT with the records but are not records (no
  // sequence, not in the chain): acknowledged and not forwarded; SIEMs keep them with
  // `countersign audit checkpoint` (docs/siem.md, Verifying a checkpoint).
  if (verification.type === EventTypes.AuditCheckpoint && verification.envelope.signer === SERVICE_IDS.audit) return { kind: 'checkpoint' };
  if (verification.type !== EventTypes.AuditRecord || verification.envelope.signer !== SERVICE_IDS.audit)
    return { kind: 'broken', problem: `${verification.type} from ${verification.envelope.signer} is no audit record` };
  const record = verification.envelope.data as AuditRecordV1;
  if (record.sequence <= head.sequence) return { kind: 'already_delivered', sequence: record.sequence };
  if (record.sequence !== head.sequence + 1)
    return { kind: 'broken', problem: `expected sequence ${head.sequence + 1}, got ${record.sequence}` };
  if (record.previousHash !== head.hash) return { kind: 'broken', problem: `record ${record.sequence} does not link to ${head.hash}` };
  if (recordHash(record) !== record.hash) return { kind: 'broken', problem: `record ${record.sequence} was altered` };
  return { kind: 'next', record };
}
