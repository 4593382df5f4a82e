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
  if (typeof expected === 'number' && !(Number.isSafeInteger(expected) && expected >= 0)) {
    throw new RangeError(`append to ${stream}: expected revision must be a non-negative integer, got ${expected}`);
  }
  const ids = new Set(events.map((event) => event.id));
  if (ids.size !== events.length) throw new RangeError(`append to ${stream}: event ids must be distinct`);
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

/** JSON text for a payload; refuses values JSON cannot carry instead of silently storing nothing. */
export function encodeJson(value: unknown, what: string): string {
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError(`${what} is not JSON-serializable`);
  return text;
}
