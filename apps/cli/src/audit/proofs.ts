import {
  AuditRecordV1,
  ENVELOPE_LIMITS,
  inputLimitProblem,
  type AuditCheckpointV1,
  type Envelope,
  type InputLimits,
} from '@countersign/contracts';
import { consistencyPath, inclusionPath, recordHash, recordLeafHash, verifyConsistency, verifyInclusion } from '@countersign/audit-chain';
import type { TrustStore } from '@countersign/identity';
import { CliError } from '../context';
import { checkCheckpoint, checkpointProblem, type VerifiedCheckpoint } from './checkpoints';
import { concernsRequest } from './entries';

/** One record of a request and its RFC 9162 audit path to the checkpoint's root (leaf index = sequence - 1). */
export interface InclusionProof {
  sequence: number;
  leafIndex: number;
  leafHash: string;
  path: string[];
  record: AuditRecordV1;
}

export interface InclusionDocument {
  format: 'countersign.audit.inclusion/v1';
  requestId: string;
  checkpoint: Envelope<AuditCheckpointV1>;
  proofs: InclusionProof[];
  /** The request's records newer than the checkpoint: provable against a later one. */
  notYetCheckpointed: number[];
}

export interface ConsistencyDocument {
  format: 'countersign.audit.consistency/v1';
  older: Envelope<AuditCheckpointV1>;
  newer: Envelope<AuditCheckpointV1>;
  path: string[];
}

function matchingLeaves(checkpoint: VerifiedCheckpoint, records: readonly AuditRecordV1[]): string[] {
  const problem = checkpointProblem(checkpoint.data, records);
  if (problem) throw new CliError(`the log does not match checkpoint ${checkpoint.data.treeSize}: ${problem}`);
  return records.slice(0, checkpoint.data.treeSize).map(recordLeafHash);
}

export function proveInclusion(requestId: string, checkpoint: VerifiedCheckpoint, records: readonly AuditRecordV1[]): InclusionDocument {
  const leaves = matchingLeaves(checkpoint, records);
  const mine = records.filter((record) => concernsRequest(record, requestId));
  if (mine.length === 0) throw new CliError(`no audit records for request ${requestId}`);
  const covered = mine.filter((record) => record.sequence <= leaves.length);
  return {
    format: 'countersign.audit.inclusion/v1',
    requestId,
    checkpoint: checkpoint.envelope,
    proofs: covered.map((record) => ({
      sequence: record.sequence,
      leafIndex: record.sequence - 1,
      leafHash: leaves[record.sequence - 1]!,
      path: inclusionPath(record.sequence - 1, leaves),
      record,
    })),
    notYetCheckpointed: mine.filter((record) => record.sequence > leaves.length).map((record) => record.sequence),
  };
}

export function proveConsistency(
  older: VerifiedCheckpoint,
  newer: VerifiedCheckpoint,
  records: readonly AuditRecordV1[],
): ConsistencyDocument {
  if (older.data.treeSize > newer.data.treeSize)
    throw new CliError(`the older checkpoint (${older.data.treeSize}) is larger than the newer (${newer.data.treeSize})`);
  const leaves = matchingLeaves(newer, records);
  return {
    format: 'countersign.audit.consistency/v1',
    older: older.envelope,
    newer: newer.envelope,
    path: consistencyPath(older.data.treeSize, leaves),
  };
}

export interface ProofCheck {
  what: string;
  ok: boolean;
  problem?: string;
}

export interface ProofReport {
  ok: boolean;
  format: string;
  checks: ProofCheck[];
}

/** A proof file holds whole records; bounded so a hostile file cannot exhaust the verifier. */
const DOCUMENT_LIMITS: InputLimits = {
  ...ENVELOPE_LIMITS,
  maxBytes: 256 * 1024 * 1024,
  maxDepth: ENVELOPE_LIMITS.maxDepth + 4,
  maxItems: 1_000_000,
};

const pass = (what: string): ProofCheck => ({ what, ok: true });
const fail = (what: string, problem: string): ProofCheck => ({ what, ok: false, problem });

/** Verifies an inclusion or consistency document offline, with trust.json alone. Fails closed on anything unexpected. */
export function verifyProofDocument(document: unknown, trust: TrustStore): ProofReport {
  const limit = inputLimitProblem(document, DOCUMENT_LIMITS);
  if (limit) return { ok: false, format: 'unknown', checks: [fail('document', `${limit.code}: ${limit.message}`)] };
  const format = typeof document === 'object' && document !== null ? (document as { format?: unknown }).format : undefined;
  const checks =
    format === 'countersign.audit.inclusion/v1'
      ? inclusionChecks(document as InclusionDocument, trust)
      : format === 'countersign.audit.consistency/v1'
        ? consistencyChecks(document as ConsistencyDocument, trust)
        : [fail('document', `unknown format ${JSON.stringify(format)}`)];
  return { ok: checks.length > 0 && checks.every((check) => check.ok), format: String(format), checks };
}

function signature(what: string, candidate: unknown, trust: TrustStore): { check: ProofCheck; data?: AuditCheckpointV1 } {
  const checked = checkCheckpoint(candidate, trust);
  return checked.ok ? { check: pass(what), data: checked.checkpoint.data } : { check: fail(what, checked.problem) };
}

function inclusionChecks(document: InclusionDocument, trust: TrustStore): ProofCheck[] {
  const { check, data } = signature('checkpoint signature', document.checkpoint, trust);
  if (!data) return [check];
  const proofs = Array.isArray(document.proofs) ? document.proofs : [];
  if (proofs.length === 0) return [check, fail('proofs', 'the document proves no record')];
  return [check, ...proofs.map((proof, index) => inclusionCheck(proof, index, data, trust))];
}

function inclusionCheck(proof: InclusionProof, index: number, checkpoint: AuditCheckpointV1, trust: TrustStore): ProofCheck {
  const parsed = AuditRecordV1.safeParse(proof?.record);
  const what = `record ${parsed.success ? parsed.data.sequence : `#${index}`} in tree ${checkpoint.treeSize}`;
  if (!parsed.success) return fail(what, 'not an audit record');
  const record = parsed.data;
  if (recordHash(record) !== record.hash) return fail(what, 'the record was altered (its hash does not match)');
  const event = trust.verify(record.event);
  if (!event.ok) return fail(what, `the recorded event does not verify: ${event.code}: ${event.message}`);
  const leaf = recordLeafHash(record);
  if (proof.leafIndex !== record.sequence - 1 || proof.leafHash !== leaf) return fail(what, 'the leaf is not this record');
  const path = Array.isArray(proof.path) ? proof.path : [];
  if (!verifyInclusion(proof.leafIndex, checkpoint.treeSize, leaf, path, checkpoint.rootHash))
    return fail(what, "the audit path does not lead to the checkpoint's root");
  return pass(what);
}

function consistencyChecks(document: ConsistencyDocument, trust: TrustStore): ProofCheck[] {
  const older = signature('older checkpoint signature', document.older, trust);
  const newer = signature('newer checkpoint signature', document.newer, trust);
  if (!older.data || !newer.data) return [older.check, newer.check];
  const what = `tree ${older.data.treeSize} is a prefix of tree ${newer.data.treeSize}`;
  const path = Array.isArray(document.path) ? document.path : [];
  const holds = verifyConsistency(older.data.treeSize, newer.data.treeSize, older.data.rootHash, newer.data.rootHash, path);
  return [
    older.check,
    newer.check,
    holds ? pass(what) : fail(what, 'the consistency proof does not hold: the log was truncated or rewritten'),
  ];
}

export function formatProofReport(report: ProofReport): string[] {
  return [
    `audit verify (${report.format}): ${report.ok ? 'OK' : 'FAILED'}`,
    ...report.checks.map((check) => `  ${check.ok ? '✓' : '✗'} ${check.what}${check.problem ? ` — ${check.problem}` : ''}`),
  ];
}
