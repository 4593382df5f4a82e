import type { AuditRecordV1 } from '@countersign/contracts';
import type { ExaminedEntry } from './entries';
import { shortType } from './timeline';

/** One hop of a request through the services: an event, when it was decided, and how long it took. */
export interface Hop {
  sequence: number;
  type: string;
  signer: string;
  eventId: string;
  /** When the event was decided (its signed time). */
  time: string;
  /** Milliseconds since the request's first event. */
  sinceStartMs: number;
  /** The event it answered: its cause when the audit chain holds it, else the one before it. */
  after?: { eventId: string; type: string; signer: string };
  /** Milliseconds from that event to this one: the hop's duration. */
  hopMs?: number;
  /** Milliseconds from the decision to audit chaining it (the audit lag of this hop). */
  auditedAfterMs: number;
}

const text = (event: Record<string, unknown>, key: string): string => (typeof event[key] === 'string' ? event[key] : '');

/**
 * The request's hops from its audit records (the stored events every service's decisions end in),
 * in decision-time order. A hop's duration runs from the event it answered (its causationid, when
 * that event is in the chain) so parallel branches (approval and broker both answering the
 * acceptance) each show their own duration instead of the gap to whichever came first.
 */
export function hopsOf(entries: ReadonlyArray<ExaminedEntry & { parsed: AuditRecordV1 }>): Hop[] {
  const events = entries
    .map((entry) => ({ record: entry.parsed, event: entry.parsed.event }))
    .map(({ record, event }) => ({
      sequence: record.sequence,
      type: text(event, 'type'),
      signer: text(event, 'signer'),
      eventId: text(event, 'id'),
      causationId: text(event, 'causationid'),
      time: text(event, 'time'),
      at: Date.parse(text(event, 'time')),
      recordedAt: Date.parse(record.recordedAt),
    }))
    .filter((event) => Number.isFinite(event.at))
    .sort((a, b) => a.at - b.at || a.sequence - b.sequence);
  const start = events[0]?.at ?? 0;
  const byId = new Map(events.map((event) => [event.eventId, event]));
  return events.map((event, index) => {
    const cause = byId.get(event.causationId) ?? (index > 0 ? events[index - 1] : undefined);
    return {
      sequence: event.sequence,
      type: event.type,
      signer: event.signer,
      eventId: event.eventId,
      time: event.time,
      sinceStartMs: event.at - start,
      ...(cause ? { after: { eventId: cause.eventId, type: cause.type, signer: cause.signer }, hopMs: event.at - cause.at } : {}),
      auditedAfterMs: event.recordedAt - event.at,
    };
  });
}

/** `1.234s`, `87ms`, `2m03s`: short enough for a column, exact enough to spot the slow hop. */
export function formatDuration(ms: number): string {
  if (Math.abs(ms) < 1_000) return `${ms}ms`;
  if (Math.abs(ms) < 60_000) return `${(ms / 1_000).toFixed(3)}s`;
  const minutes = Math.trunc(ms / 60_000);
  return `${minutes}m${String(Math.round((ms - minutes * 60_000) / 1_000)).padStart(2, '0')}s`;
}

export function formatHops(requestId: string, hops: readonly Hop[]): string[] {
  const typeWidth = Math.max(0, ...hops.map((hop) => shortType(hop.type).length));
  const signerWidth = Math.max(0, ...hops.map((hop) => hop.signer.length));
  const total = hops.length === 0 ? 0 : hops[hops.length - 1]!.sinceStartMs;
  return [
    `request ${requestId}: ${hops.length} hop${hops.length === 1 ? '' : 's'} in ${formatDuration(total)}`,
    ...hops.map((hop) => {
      const took = hop.hopMs === undefined ? 'start' : `+${formatDuration(hop.hopMs)} after ${shortType(hop.after!.type)}`;
      const columns = [
        `#${String(hop.sequence).padEnd(5)}`,
        hop.time,
        `T+${formatDuration(hop.sinceStartMs)}`.padEnd(10),
        shortType(hop.type).padEnd(typeWidth),
        hop.signer.padEnd(signerWidth),
        took.padEnd(typeWidth + 16),
        `audited +${formatDuration(hop.auditedAfterMs)}`,
      ];
      return `  ${columns.join('  ')}`.trimEnd();
    }),
  ];
}
