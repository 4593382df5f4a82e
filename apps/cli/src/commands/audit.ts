import { optionalString, optionTable, requiredString, type CommandLine } from '../args';
import { chainOfCustody, formatCustody } from '../audit/custody';
import { entriesForRequest, examineEntries } from '../audit/entries';
import { formatAuditReport, verifyAudit } from '../audit/report';
import { DEFAULT_OPERATOR, loadAuditEntries, writeAuditFile } from '../audit/sources';
import { CliError, ExitCode, type CliContext } from '../context';
import { latest, prove, verifyCheckpoint, verifyProof } from './audit-proofs';
import { runAction, type Command } from './command';

/**
 * Verifies the whole chain even when one request is asked about: a request's records prove
 * nothing unless the chain they sit in is intact. Only public keys (trust.json) are needed.
 */
async function verify(ctx: CliContext, line: CommandLine): Promise<ExitCode> {
  const proof = optionalString(line.values, 'proof');
  if (proof !== undefined) return verifyProof(ctx, proof);
  const checkpoint = optionalString(line.values, 'checkpoint');
  if (checkpoint !== undefined) return verifyCheckpoint(ctx, line, checkpoint);
  const requestId = optionalString(line.values, 'request');
  const file = optionalString(line.values, 'file');
  const operator = optionalString(line.values, 'as') ?? DEFAULT_OPERATOR;
  const entries = examineEntries(await loadAuditEntries(ctx, { operator, ...(file ? { file } : {}) }), ctx.trustStore());
  if (entries.length === 0) throw new CliError(file ? `no audit records in ${file}` : 'the audit stream holds no records yet');
  const report = verifyAudit(entries);
  if (requestId === undefined) {
    ctx.out.result(report, () => formatAuditReport(report));
    return report.ok ? ExitCode.ok : ExitCode.failure;
  }
  const requestEntries = entriesForRequest(entries, requestId);
  if (requestEntries.length === 0) throw new CliError(`no audit records for request ${requestId}`);
  const custody = chainOfCustody(requestId, requestEntries);
  ctx.out.result({ ...report, custody }, () => [...formatAuditReport(report), '', ...formatCustody(custody)]);
  return report.ok && custody.ok ? ExitCode.ok : ExitCode.failure;
}

async function exportRecords(ctx: CliContext, line: CommandLine): Promise<ExitCode> {
  const out = requiredString(line.values, 'out', 'audit');
  const operator = optionalString(line.values, 'as') ?? DEFAULT_OPERATOR;
  const entries = await loadAuditEntries(ctx, { operator });
  writeAuditFile(out, entries);
  ctx.out.result({ file: out, records: entries.length }, () => [`exported ${entries.length} audit records to ${out}`]);
  return ExitCode.ok;
}

export const auditCommand: Command = {
  name: 'audit',
  options: optionTable(['request', 'file', 'out', 'as', 'checkpoint', 'proof', 'since'], ['live']),
  run: runAction('audit', { verify, export: exportRecords, prove, checkpoint: latest }),
  summary: 'verify the audit hash chain, signatures and Merkle checkpoints; export records; prove inclusion and consistency',
  usage: [
    'countersign audit verify [--request <request-id>] [--file <records.jsonl>] [--as <operator>]',
    'countersign audit export --out <records.jsonl> [--as <operator>]',
    'countersign audit checkpoint [--file <records.jsonl>] [--out <checkpoint.json>]',
    'countersign audit prove <request-id> [--file <records.jsonl>] [--checkpoint <checkpoint.json>] [--out <proof.json>]',
    'countersign audit prove --since <older-checkpoint.json> [--file <records.jsonl>] [--checkpoint <newer.json>] [--out <proof.json>]',
    'countersign audit verify --checkpoint <checkpoint.json> [--file <records.jsonl> | --live]',
    'countersign audit verify --proof <proof.json>',
    '',
    '  verify  checks every hash link and re-verifies every embedded event signature with trust.json;',
    "          --request also prints that request's chain of custody. Exit 1 on any break.",
    '  export  writes CS_AUDIT one message per line (records and checkpoints), as published, for verification elsewhere',
    "  checkpoint  prints audit's newest signed Merkle checkpoint (keep it: later logs must extend it)",
    '  prove   inclusion proofs of a request’s records against a checkpoint, or (--since) a consistency',
    '          proof that a newer checkpoint extends an older one; JSON, verifiable offline',
    '  verify --checkpoint  the checkpoint’s signature; with --file/--live, that the log still extends it',
    '  verify --proof       an inclusion or consistency proof, offline, with trust.json alone',
  ],
  examples: [
    'countersign audit verify',
    'countersign audit verify --request 0f9c6a57-2a4e-4c1b-9f3e-5d2a8c1e7b44',
    'countersign audit export --out audit.jsonl && countersign audit verify --file audit.jsonl',
    'countersign audit checkpoint --out kept.json   # later: countersign audit verify --checkpoint kept.json --live',
    'countersign audit prove 0f9c6a57-2a4e-4c1b-9f3e-5d2a8c1e7b44 --out proof.json && countersign audit verify --proof proof.json',
  ],
};
