import { optionalString, positional, requiredString, type CommandLine } from '../args';
import { chainOfCustody, formatCustody } from '../audit/custody';
import { entriesForRequest, examineEntries } from '../audit/entries';
import { formatAuditReport, verifyAudit } from '../audit/report';
import { DEFAULT_OPERATOR, loadAuditEntries, writeAuditFile } from '../audit/sources';
import { CliError, ExitCode, UsageError, type CliContext } from '../context';
import type { Command } from './command';

/**
 * Verifies the whole chain even when one request is asked about: a request's records prove
 * nothing unless the chain they sit in is intact. Only public keys (trust.json) are needed.
 */
async function verify(ctx: CliContext, line: CommandLine): Promise<ExitCode> {
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

async function run(ctx: CliContext, line: CommandLine): Promise<ExitCode> {
  const action = positional(line, 0, 'audit action (verify or export)', 'audit');
  if (action === 'verify') return verify(ctx, line);
  if (action === 'export') return exportRecords(ctx, line);
  throw new UsageError(`unknown audit action '${action}' (expected verify or export)`, 'audit');
}

export const auditCommand: Command = {
  name: 'audit',
  summary: 'verify the audit hash chain and signatures, or export records for offline checks',
  usage: [
    'countersign audit verify [--request <request-id>] [--file <records.jsonl>] [--as <operator>]',
    'countersign audit export --out <records.jsonl> [--as <operator>]',
    '',
    '  verify  checks every hash link and re-verifies every embedded event signature with trust.json;',
    "          --request also prints that request's chain of custody. Exit 1 on any break.",
    '  export  writes CS_AUDIT one record per line, as published, for verification elsewhere',
  ],
  examples: [
    'countersign audit verify',
    'countersign audit verify --request 0f9c6a57-2a4e-4c1b-9f3e-5d2a8c1e7b44',
    'countersign audit export --out audit.jsonl && countersign audit verify --file audit.jsonl',
  ],
  options: { request: { type: 'string' }, file: { type: 'string' }, out: { type: 'string' }, as: { type: 'string' } },
  run,
};
