import { writeFileSync } from 'node:fs';
import { AuditRecordV1 } from '@countersign/contracts';
import { optionalString, type CommandLine } from '../args';
import {
  checkCheckpointOrThrow,
  checkpointProblem,
  latestCheckpoint,
  readJsonFile,
  splitLog,
  type VerifiedCheckpoint,
} from '../audit/checkpoints';
import { examineEntries } from '../audit/entries';
import { formatProofReport, proveConsistency, proveInclusion, verifyProofDocument, type ProofCheck } from '../audit/proofs';
import { DEFAULT_OPERATOR, loadAuditEntries } from '../audit/sources';
import { CliError, ExitCode, UsageError, type CliContext } from '../context';

/** The log a proof is computed from: records in order, and the checkpoints found between them. */
async function loadLog(ctx: CliContext, line: CommandLine) {
  const file = optionalString(line.values, 'file');
  const operator = optionalString(line.values, 'as') ?? DEFAULT_OPERATOR;
  const { records, checkpoints } = splitLog(await loadAuditEntries(ctx, { operator, ...(file ? { file } : {}) }));
  const parsed = examineEntries(records, ctx.trustStore()).map((entry) => AuditRecordV1.safeParse(entry.record));
  const bad = parsed.findIndex((result) => !result.success);
  if (bad !== -1) throw new CliError(`${records[bad]?.origin ?? 'an entry'} is not an audit record: run audit verify`);
  return { records: parsed.map((result) => result.data!), checkpoints };
}

/** The checkpoint named with --checkpoint, or the newest one in the log. */
function chosenCheckpoint(ctx: CliContext, line: CommandLine, log: Awaited<ReturnType<typeof loadLog>>): VerifiedCheckpoint {
  const path = optionalString(line.values, 'checkpoint');
  if (path) return checkCheckpointOrThrow(readJsonFile(path), ctx.trustStore(), path);
  const latest = latestCheckpoint(log.checkpoints, ctx.trustStore());
  if (!latest) throw new CliError('the log holds no checkpoint that verifies yet');
  return latest;
}

function emit(ctx: CliContext, line: CommandLine, document: unknown, summary: string): ExitCode {
  const out = optionalString(line.values, 'out');
  const text = `${JSON.stringify(document, null, 2)}\n`;
  if (out === undefined) {
    ctx.out.result(document, () => [text.trimEnd()]);
    return ExitCode.ok;
  }
  writeFileSync(out, text);
  ctx.out.result({ file: out }, () => [`${summary} written to ${out}`]);
  return ExitCode.ok;
}

/** `audit prove <request>`: inclusion proofs; `audit prove --since <old checkpoint>`: a consistency proof. */
export async function prove(ctx: CliContext, line: CommandLine): Promise<ExitCode> {
  const requestId = line.positionals[1];
  const since = optionalString(line.values, 'since');
  if ((requestId === undefined) === (since === undefined))
    throw new UsageError('audit prove needs a request id, or --since <checkpoint.json> (not both)', 'audit');
  const log = await loadLog(ctx, line);
  const checkpoint = chosenCheckpoint(ctx, line, log);
  if (requestId !== undefined) return emit(ctx, line, proveInclusion(requestId, checkpoint, log.records), 'inclusion proof');
  const older = checkCheckpointOrThrow(readJsonFile(since!), ctx.trustStore(), since!);
  return emit(ctx, line, proveConsistency(older, checkpoint, log.records), 'consistency proof');
}

/** `audit checkpoint`: the newest verified checkpoint, for a SIEM to keep. */
export async function latest(ctx: CliContext, line: CommandLine): Promise<ExitCode> {
  const log = await loadLog(ctx, line);
  return emit(ctx, line, chosenCheckpoint(ctx, line, log).envelope, 'checkpoint');
}

/** `audit verify --proof <file>`: offline, trust.json only. */
export function verifyProof(ctx: CliContext, path: string): ExitCode {
  const report = verifyProofDocument(readJsonFile(path), ctx.trustStore());
  ctx.out.result(report, () => formatProofReport(report));
  return report.ok ? ExitCode.ok : ExitCode.failure;
}

/**
 * `audit verify --checkpoint <file>`: its signature, offline; with --file (or live, with --live),
 * also whether the log is still the one it signed. A log cut short or rewritten since fails here.
 */
export async function verifyCheckpoint(ctx: CliContext, line: CommandLine, path: string): Promise<ExitCode> {
  const checkpoint = checkCheckpointOrThrow(readJsonFile(path), ctx.trustStore(), path);
  const checks: ProofCheck[] = [{ what: 'checkpoint signature (service:audit)', ok: true }];
  if (optionalString(line.values, 'file') !== undefined || line.values['live'] === true) {
    const problem = checkpointProblem(checkpoint.data, (await loadLog(ctx, line)).records);
    checks.push({ what: `the log extends tree ${checkpoint.data.treeSize}`, ok: problem === undefined, ...(problem ? { problem } : {}) });
  }
  const report = { ok: checks.every((check) => check.ok), format: 'countersign.audit.checkpoint', checkpoint: checkpoint.data, checks };
  ctx.out.result(report, () => formatProofReport(report));
  return report.ok ? ExitCode.ok : ExitCode.failure;
}
