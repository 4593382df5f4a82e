import {
  ANY,
  DeadlineExceededError,
  NO_STREAM,
  STREAM_EXISTS,
  UnavailableError,
  WrongExpectedVersionError,
  eventTypeFilter,
  jsonEvent,
  type AllStreamResolvedEvent,
  type AppendStreamState,
  type CurrentStreamState,
  type EventData,
  type JSONType,
  type Position,
  type RegexFilter,
  type ResolvedEvent,
} from '@kurrent/kurrentdb-client';
import { encodeJson, type CurrentRevision } from './append-rules';
import { StoreUnavailableError, WrongExpectedRevisionError, type ExpectedRevision, type NewEvent, type StoredEvent } from './port';

/** Event type of checkpoint records; kept out of $all reads so nobody relays or checkpoints them. */
export const CHECKPOINT_EVENT_TYPE = 'countersign.checkpoint';

/**
 * Server-side $all filter: what `excludeSystemEvents()` drops (types starting with `$`) plus our own
 * checkpoint records. Without the second part the relay would see one checkpoint event per event
 * it publishes, and readAll would report positions the subscription never delivers.
 */
export const USER_EVENTS_REGEX = `^(?!\\$|${CHECKPOINT_EVENT_TYPE.replace(/\./g, '\\.')}$)`;

export function userEventsFilter(): RegexFilter {
  return eventTypeFilter({ regex: USER_EVENTS_REGEX });
}

export function toStreamState(expected: ExpectedRevision): AppendStreamState {
  switch (expected) {
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
    case 'any':
      return ANY;
    default:
      return BigInt(expected);
  }
}

export function toEventData(event: NewEvent): EventData {
  // Encode once here so data JSON cannot carry fails before the network, as it does on SQLite.
  encodeJson(event.data, `data of event ${event.id}`);
  return jsonEvent({
    id: event.id,
    type: event.type,
    data: event.data as JSONType,
    metadata: event.metadata ?? {},
  });
}

/** The port's numbers are JS numbers: a bigint beyond 2^53 would silently lose digits. */
export function toSafeNumber(value: bigint, what: string): number {
  if (value < 0n || value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new StoreUnavailableError(`KurrentDB ${what} ${value} does not fit a safe integer`);
  }
  return Number(value);
}

/** Commit position p as a $all position. Each event of an implicit transaction has commit = prepare. */
export function toAllPosition(position: number): Position {
  return { commit: BigInt(position), prepare: BigInt(position) };
}

export function toCurrentRevision(state: CurrentStreamState): CurrentRevision {
  return state === 'no_stream' ? 'no_stream' : Number(state);
}

export function toStoredEvent(resolved: ResolvedEvent | AllStreamResolvedEvent): StoredEvent | undefined {
  const recorded = resolved.event;
  if (!recorded) return undefined;
  const commit = recorded.position?.commit ?? resolved.commitPosition;
  if (commit === undefined) {
    throw new StoreUnavailableError(`KurrentDB returned event ${recorded.id} without a position (server before 22.6?)`);
  }
  return {
    id: recorded.id,
    stream: recorded.streamId,
    revision: toSafeNumber(recorded.revision, 'revision'),
    position: toSafeNumber(commit, 'commit position'),
    type: recorded.type,
    data: recorded.isJson ? recorded.data : decodeJson(recorded.data),
    metadata: asRecord(recorded.metadata),
    recordedAt: recorded.created.toISOString(),
  };
}

/**
 * Translates client errors into the port's vocabulary. A refused connection arrives as a plain
 * Error with gRPC code 14 on append but as UnavailableError on reads, so both forms are checked.
 */
export function toPortError(error: unknown, append?: { stream: string; expected: ExpectedRevision }): unknown {
  if (error instanceof WrongExpectedRevisionError || error instanceof StoreUnavailableError) return error;
  if (append && isWrongExpectedVersion(error)) {
    return new WrongExpectedRevisionError(append.stream, append.expected, toCurrentRevision(error.actualState));
  }
  if (isUnavailable(error)) {
    return new StoreUnavailableError(`KurrentDB unavailable: ${messageOf(error)}`, { cause: error });
  }
  return error;
}

function isWrongExpectedVersion(error: unknown): error is WrongExpectedVersionError {
  return error instanceof WrongExpectedVersionError || hasField(error, 'type', 'wrong-expected-version');
}

const GRPC_UNAVAILABLE = 14;
const GRPC_DEADLINE_EXCEEDED = 4;

function isUnavailable(error: unknown): boolean {
  return (
    error instanceof UnavailableError ||
    error instanceof DeadlineExceededError ||
    hasField(error, 'code', GRPC_UNAVAILABLE) ||
    hasField(error, 'code', GRPC_DEADLINE_EXCEEDED) ||
    hasField(error, 'type', 'unavailable') ||
    hasField(error, 'type', 'deadline-exceeded')
  );
}

function hasField(error: unknown, field: string, value: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as Record<string, unknown>)[field] === value;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function asRecord(value: unknown): Record<string, unknown> {
  const isPlainObject = typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
  return isPlainObject ? (value as Record<string, unknown>) : {};
}

function decodeJson(bytes: Uint8Array): unknown {
  return JSON.parse(Buffer.from(bytes).toString('utf8')) as unknown;
}
