import { readFileSync } from 'node:fs';
import { type AuditCheckpointV1, EventTypes, serviceId, type AuditRecordV1, type Envelope } from '@countersign/contracts';
import { merkleRoot, recordLeafHash } from '@countersign/audit-chain';
import type { TrustStore } from '@countersign/identity';
import { CliError } from '../context';
import type { RawAuditEntry } from './entries';

/** A checkpoint whose signature verified: signed by service:audit, with only audit allowed the type. */
export interface VerifiedCheckpoint {
  envelope: Envelope<AuditCheckpointV1>;
  data: AuditCheckpointV1;
}

export type CheckpointCheck = { ok: true; checkpoint: VerifiedCheckpoint } | { ok: false; problem: string };

/**
 * CS_AUDIT holds records and, between them, audit's signed checkpoints. Each is told apart by its
 * declared type only; nothing is trusted until it is verified.
 */
export function splitLog(raw: readonly RawAuditEntry[]): { records: RawAuditEntry[]; checkpoints: RawAuditEntry[] } {
  const isCheckpoint = (entry: RawAuditEntry) => {
    try {
      return (JSON.parse(entry.text) as { type?: unknown }).type === EventTypes.AuditCheckpoint;
    } catch {
      return false;
    }
  };
  return { records: raw.filter((entry) => !isCheckpoint(entry)), checkpoints: raw.filter(isCheckpoint) };
}

/** Checks a checkpoint's signature with trust.json alone (fail closed: anything else is a problem). */
export function checkCheckpoint(candidate: unknown, trust: TrustStore): CheckpointCheck {
  const verification = trust.verify(candidate);
  if (!verification.ok) return { ok: false, problem: `${verification.code}: ${verification.message}` };
  if (verification.type !== EventTypes.AuditCheckpoint || verification.envelope.signer !== serviceId('audit'))
    return { ok: false, problem: `${verification.type} signed by ${verification.envelope.signer} is not a checkpoint from service:audit` };
  const envelope = verification.envelope as Envelope<AuditCheckpointV1>;
  return { ok: true, checkpoint: { envelope, data: envelope.data } };
}

export function checkCheckpointOrThrow(candidate: unknown, trust: TrustStore, what: string): VerifiedCheckpoint {
  const checked = checkCheckpoint(candidate, trust);
  if (!checked.ok) throw new CliError(`${what} does not verify: ${checked.problem}`);
  return checked.checkpoint;
}

export function readJsonFile(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch (error) {
    throw new CliError(`cannot read ${path}: ${(error as Error).message}`);
  }
}

/** The newest checkpoint in the log whose signature verifies, if any. */
export function latestCheckpoint(entries: readonly RawAuditEntry[], trust: TrustStore): VerifiedCheckpoint | undefined {
  const verified = entries.flatMap((entry) => {
    try {
      const checked = checkCheckpoint(JSON.parse(entry.text), trust);
      return checked.ok ? [checked.checkpoint] : [];
    } catch {
      return [];
    }
  });
  return verified.sort((a, b) => a.data.treeSize - b.data.treeSize).at(-1);
}

/**
 * Whether these records (from sequence 1, in order) are the log a checkpoint signed: at least
 * `treeSize` of them, and the first `treeSize` hash to its root and end at its last record hash.
 * A truncated log is shorter; a rewritten one hashes to another root.
 */
export function checkpointProblem(checkpoint: AuditCheckpointV1, records: readonly AuditRecordV1[]): string | undefined {
  const { treeSize, rootHash, lastRecordHash } = checkpoint;
  if (records.length < treeSize) return `truncated: the checkpoint covers ${treeSize} records, the log holds ${records.length}`;
  const prefix = records.slice(0, treeSize);
  const misplaced = prefix.findIndex((record, index) => record.sequence !== index + 1);
  if (misplaced !== -1) return `record ${misplaced + 1} of the log has sequence ${prefix[misplaced]!.sequence}`;
  if (merkleRoot(prefix.map(recordLeafHash)) !== rootHash)
    return `rewritten: the first ${treeSize} records do not hash to the checkpoint's root`;
  if (prefix.at(-1)!.hash !== lastRecordHash) return `rewritten: record ${treeSize} is not the one the checkpoint names`;
  return undefined;
}
