import type { ExpectedRevision, NewEvent } from './port';

/**
 * Rules both adapters apply before touching storage, so a malformed append fails the same way on
 * SQLite and on KurrentDB instead of surfacing as two different driver errors.
 */
export function assertValidAppend(stream: string, events: NewEvent[], expected: ExpectedRevision): void {
  if (stream.length === 0) throw new RangeError('stream name must not be empty');
  // An empty append has no event to be idempotent about and no position to report: a caller that
  // decided nothing should not call append at all.
  if (events.length === 0) throw new RangeError(`append to ${stream}: at least one event is required`);
  if (stream.startsWith('$')) throw new RangeError(`stream ${stream}: names starting with $ belong to the store`);
  if (typeof expected === 'number' && !(Number.isSafeInteger(expected) && expected >= 0)) {
    throw new RangeError(`append to ${stream}: expected revision must be a non-negative integer, got ${expected}`);
  }
  for (const event of events) {
    if (!isEventId(event.id)) throw new RangeError(`append to ${stream}: event id ${JSON.stringify(event.id)} is not a UUID`);
  }
  const ids = new Set(events.map((event) => canonicalEventId(event.id)));
  if (ids.size !== events.length) throw new RangeError(`append to ${stream}: event ids must be distinct`);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The only id form both stores accept alike (KurrentDB's server would also take braces or no dashes). */
export function isEventId(id: unknown): id is string {
  return typeof id === 'string' && UUID.test(id);
}

/** Ids are compared and stored lower-cased: KurrentDB hands them back that way whatever was sent. */
export function canonicalEventId(id: string): string {
  return id.toLowerCase();
}

/** The events with canonical ids; call after assertValidAppend. */
export function withCanonicalIds(events: NewEvent[]): NewEvent[] {
  return events.map((event) => ({ ...event, id: canonicalEventId(event.id) }));
}

/** Where an earlier copy of `ids` sits in a stream's events: a retry, a partial repeat, or absent. */
export type EarlierCopy<T> = { kind: 'absent' } | { kind: 'retry'; last: T } | { kind: 'partial' };

/**
 * The port's one idempotency rule, shared by both adapters: all ids present as consecutive events
 * in the same order is a retry; some present is a partial repeat (a conflict); none is absent.
 * `found` holds the stored events of the stream whose id is one of `ids` (any order).
 */
export function classifyEarlierCopy<T extends { id: string; revision: number }>(ids: string[], found: T[]): EarlierCopy<T> {
  if (found.length === 0) return { kind: 'absent' };
  const byId = new Map(found.map((event) => [event.id, event]));
  const copy = ids.map((id) => byId.get(id));
  const first = copy[0];
  const isRetry = copy.every((event, index) => event !== undefined && first !== undefined && event.revision === first.revision + index);
  const last = copy[copy.length - 1];
  return isRetry && last ? { kind: 'retry', last } : { kind: 'partial' };
}

/** The stream's current state: the revision of its last event, or 'no_stream'. */
export type CurrentRevision = number | 'no_stream';

export function revisionMatches(expected: ExpectedRevision, current: CurrentRevision): boolean {
  switch (expected) {
    case 'any':
      return true;
    case 'no_stream':
      return current === 'no_stream';
    case 'stream_exists':
      return current !== 'no_stream';
    default:
      return current === expected;
  }
}

export function assertReadOptions(fromRevision: number, maxCount: number): void {
  if (!Number.isSafeInteger(fromRevision) || fromRevision < 0) {
    throw new RangeError(`fromRevision must be a non-negative integer, got ${fromRevision}`);
  }
  assertMaxCount(maxCount);
}

export function assertMaxCount(maxCount: number): void {
  if (maxCount !== Infinity && !(Number.isSafeInteger(maxCount) && maxCount >= 0)) {
    throw new RangeError(`maxCount must be a non-negative integer, got ${maxCount}`);
  }
}

/**
 * JSON text for an event's `part`; refuses values JSON cannot carry instead of silently storing
 * nothing. The message is spelled out only when it is needed, not for every event appended.
 */
export function encodeJson(value: unknown, part: 'data' | 'metadata', eventId: string): string {
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError(`${part} of event ${eventId} is not JSON-serializable`);
  return text;
}
