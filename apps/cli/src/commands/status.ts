import { verifyChain } from '@countersign/audit-chain';
import { flag, optionalString, optionTable, positional, type CommandLine } from '../args';
import { examineEntries, entriesForRequest } from '../audit/entries';
import { DEFAULT_OPERATOR, loadAuditEntries } from '../audit/sources';
import { formatHops, hopsOf } from '../audit/hops';
import { formatShown, shownToApprovers } from '../audit/shown';
import { formatTimeline, timelineEntry } from '../audit/timeline';
import { CliError, ExitCode, type CliContext } from '../context';
import type { Command } from './command';

/**
 * The timeline is read from the audit stream, the one place every service's events meet. Each
 * line's signature is checked with the public trust store, and a broken hash chain is called out,
 * because a timeline drawn from a tampered log would mislead the operator reading it.
 */
async function run(ctx: CliContext, line: CommandLine): Promise<ExitCode> {
  const requestId = positional(line, 0, 'request id (countersign status <request-id>)', 'status');
  const operator = optionalString(line.values, 'as') ?? DEFAULT_OPERATOR;
  const file = optionalString(line.values, 'file');
  const entries = examineEntries(await loadAuditEntries(ctx, { operator, ...(file ? { file } : {}) }), ctx.trustStore());
  const ofRequest = entriesForRequest(entries, requestId);
  const timeline = ofRequest.map(timelineEntry);
  if (timeline.length === 0) throw new CliError(`no audit records for request ${requestId}`);
  // Audit's checkpoints sit between the records on CS_AUDIT; the hash chain links records only (as in `audit verify`).
  const chain = verifyChain(entries.filter((entry) => !entry.checkpoint).map((entry) => entry.record));
  if (!chain.ok) ctx.out.warn(`the audit chain is broken (${chain.code}: ${chain.message}); run 'countersign audit verify'`);
  if (flag(line.values, 'timeline')) {
    // Durations are read from the signed times of the stored events, so they hold offline too.
    const hops = hopsOf(ofRequest);
    ctx.out.result({ requestId, chainIntact: chain.ok, hops }, () => formatHops(requestId, hops));
    return ExitCode.ok;
  }
  // The same text Slack and the MCP gateway show, so an approver can read it all and vote from here.
  const shown = shownToApprovers(requestId, ofRequest);
  ctx.out.result({ requestId, chainIntact: chain.ok, events: timeline, ...(shown ? { shown } : {}) }, () => [
    ...formatTimeline(requestId, timeline),
    ...(shown ? formatShown(shown) : []),
  ]);
  return ExitCode.ok;
}

export const statusCommand: Command = {
  name: 'status',
  options: optionTable(['as', 'file'], ['timeline']),
  run,
  summary: 'show the timeline of one request and the full text its approvers are shown, from the audit stream',
  usage: [
    'countersign status <request-id> [--timeline] [--as <operator>] [--file <records.jsonl>]',
    '',
    '  --timeline  each hop with its time, time since the start, duration from the event it answered, and audit lag',
    '  --as    operator identity whose NATS user reads CS_AUDIT (default: admin)',
    '  --file  read an exported audit file instead of the stream (works offline)',
  ],
  examples: [
    'countersign status 0f9c6a57-2a4e-4c1b-9f3e-5d2a8c1e7b44',
    'countersign status 0f9c6a57-2a4e-4c1b-9f3e-5d2a8c1e7b44 --timeline',
    'countersign status 0f9c6a57-2a4e-4c1b-9f3e-5d2a8c1e7b44 --json',
  ],
};
