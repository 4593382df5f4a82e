import { verifyChain } from '@countersign/audit-chain';
import { checkpointProblem } from './checkpoints';
import type { Verification } from '@countersign/identity';
import { formatRows } from '../output';
import { eventHeader, type ExaminedEntry } from './entries';

export interface SignatureFailure {
  origin: string;
  sequence?: number;
  eventId?: string;
  code: string;
  message: string;
}

export interface ChainBreak {
  origin: string;
  code: string;
  message: string;
}

/** Everything `audit verify` found; `ok` only if the chain holds and every signature verifies. */
export interface AuditReport {
  ok: boolean;
  records: number;
  firstSequence?: number;
  lastSequence?: number;
  headHash?: string;
  chainBreak?: ChainBreak;
  events: { verified: number; failures: SignatureFailure[] };
  /** Record envelopes signed by the audit service (absent from bare-record files). */
  wrappers: { present: number; verified: number; failures: SignatureFailure[] };
  /** Audit's signed Merkle checkpoints found in the log, each checked against the records before it. */
  checkpoints?: { present: number; verified: number; failures: Array<{ origin: string; problem: string }> };
}

function failure(entry: ExaminedEntry, verification: Extract<Verification, { ok: false }>, eventId?: string): SignatureFailure {
  return {
    origin: entry.origin,
    ...(entry.parsed ? { sequence: entry.parsed.sequence } : {}),
    ...(eventId ? { eventId } : {}),
    code: verification.code,
    message: verification.message,
  };
}

/**
 * The first place the chain stops proving anything: a broken link, or an entry that could not be
 * read as a record from the audit service (an unreadable line also breaks the chain itself).
 */
function findBreak(entries: readonly ExaminedEntry[]): ChainBreak | undefined {
  const chain = verifyChain(entries.map((entry) => entry.record));
  const chainIndex = chain.ok ? entries.length : chain.index;
  const problemIndex = entries.findIndex((entry) => entry.problem !== undefined);
  const unreadable = problemIndex === -1 || problemIndex > chainIndex ? undefined : entries[problemIndex];
  if (unreadable) return { origin: unreadable.origin, code: 'unreadable', message: unreadable.problem ?? '' };
  if (chain.ok) return undefined;
  return { origin: entries[chain.index]?.origin ?? '?', code: chain.code, message: chain.message };
}

function eventFailures(entries: readonly ExaminedEntry[]): SignatureFailure[] {
  return entries.flatMap((entry) => {
    if (!entry.parsed || !entry.event || entry.event.ok) return [];
    return [failure(entry, entry.event, eventHeader(entry.parsed.event).id)];
  });
}

function wrapperFailures(entries: readonly ExaminedEntry[]): SignatureFailure[] {
  return entries.flatMap((entry) => (entry.wrapper && !entry.wrapper.ok ? [failure(entry, entry.wrapper)] : []));
}

/**
 * Every checkpoint in the log must verify (signed by service:audit) and match the records before
 * it: a log rewritten after a checkpoint was published fails here even if the chain was re-hashed.
 */
function checkpointsOf(checkpoints: readonly ExaminedEntry[], records: readonly ExaminedEntry[]): AuditReport['checkpoints'] {
  if (checkpoints.length === 0) return undefined;
  const parsed = records.flatMap((entry) => (entry.parsed ? [entry.parsed] : []));
  const failures = checkpoints.flatMap(({ origin, checkpoint }) => {
    const problem = !checkpoint
      ? 'not a checkpoint'
      : checkpoint.ok
        ? checkpointProblem(checkpoint.checkpoint.data, parsed)
        : checkpoint.problem;
    return problem ? [{ origin, problem }] : [];
  });
  return { present: checkpoints.length, verified: checkpoints.length - failures.length, failures };
}

export function verifyAudit(all: readonly ExaminedEntry[]): AuditReport {
  const entries = all.filter((entry) => !entry.checkpoint);
  const checkpoints = checkpointsOf(
    all.filter((entry) => entry.checkpoint),
    entries,
  );
  const chainBreak = findBreak(entries);
  const events = eventFailures(entries);
  const wrappers = wrapperFailures(entries);
  const first = entries[0]?.parsed;
  const last = entries.at(-1)?.parsed;
  return {
    ok: entries.length > 0 && !chainBreak && events.length === 0 && wrappers.length === 0 && !checkpoints?.failures.length,
    records: entries.length,
    ...(first ? { firstSequence: first.sequence } : {}),
    ...(last ? { lastSequence: last.sequence } : {}),
    // A head hash is only worth recording (and comparing later) when the chain leading to it holds.
    ...(last && !chainBreak ? { headHash: last.hash } : {}),
    ...(chainBreak ? { chainBreak } : {}),
    events: { verified: entries.filter((entry) => entry.event?.ok).length, failures: events },
    wrappers: {
      present: entries.filter((entry) => entry.wrapper).length,
      verified: entries.filter((entry) => entry.wrapper?.ok).length,
      failures: wrappers,
    },
    ...(checkpoints ? { checkpoints } : {}),
  };
}

function formatFailures(title: string, failures: readonly SignatureFailure[]): string[] {
  if (failures.length === 0) return [];
  return [
    title,
    ...failures.map(
      (f) =>
        `  ${f.origin}${f.sequence === undefined ? '' : ` (sequence ${f.sequence})`}${f.eventId ? ` event ${f.eventId}` : ''}: ${f.code} — ${f.message}`,
    ),
  ];
}

export function formatAuditReport(report: AuditReport): string[] {
  const chain = report.chainBreak
    ? `BROKEN at ${report.chainBreak.origin}: ${report.chainBreak.code} — ${report.chainBreak.message}`
    : 'intact';
  const range = report.firstSequence === undefined ? 'none' : `${report.firstSequence}..${report.lastSequence ?? '?'}`;
  const wrappers =
    report.wrappers.present === 0
      ? 'none (bare records)'
      : `${report.wrappers.verified}/${report.wrappers.present} verified (service:audit)`;
  return [
    `audit verify: ${report.ok ? 'OK' : 'FAILED'}`,
    ...formatRows([
      ['  records', String(report.records)],
      ['  sequence', range],
      ['  head hash', report.headHash ?? 'none (chain broken)'],
      ['  hash chain', chain],
      ['  event signatures', `${report.events.verified}/${report.records} verified`],
      ['  record envelopes', wrappers],
      ['  checkpoints', report.checkpoints ? `${report.checkpoints.verified}/${report.checkpoints.present} match the log` : 'none'],
    ]),
    ...(report.checkpoints?.failures ?? []).map((f) => `  checkpoint ${f.origin}: ${f.problem}`),
    ...formatFailures('event signatures that do not verify:', report.events.failures),
    ...formatFailures('record envelopes that do not verify:', report.wrappers.failures),
  ];
}
