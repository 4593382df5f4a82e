import {
  ANY,
  CancelledError,
  DeadlineExceededError,
  NO_STREAM,
  NotLeaderError,
  STREAM_EXISTS,
  TimeoutError,
  UnavailableError,
  UnknownError,
  WrongExpectedVersionError,
  jsonEvent,
  type AllStreamResolvedEvent,
  type AppendStreamState,
  type CurrentStreamState,
  type EventData,
  type JSONType,
  type Position,
  type ResolvedEvent,
} from '@kurrent/kurrentdb-client';
import { errorMessage } from '@countersign/contracts';
import { encodeJson, type CurrentRevision } from './append-rules';
import {
  StoreUnavailableError,
  WrongExpectedRevisionError,
  type ExpectedRevision,
  type NewEvent,
  type StoredEvent,
  type UnreadableEvent,
} from './port';

/** Event type of checkpoint records; kept out of $all reads so nobody relays or checkpoints them. */
export const CHECKPOINT_EVENT_TYPE = 'countersign.checkpoint';

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
  encodeJson(event.data, 'data', event.id);
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

/**
 * A recorded event as the port's event, or what to report when its data is not JSON. The client
 * (dist/utils/convertRustEvent.js on the bridge read path, convertGrpcEvent.js on subscriptions)
 * hands JSON events over parsed, falls back to the raw text when a "JSON" event's bytes do not
 * parse, and hands binary events over as a Uint8Array; only ours are written as JSON.
 */
export function decodeResolved(
  resolved: ResolvedEvent | AllStreamResolvedEvent,
): StoredEvent | { unreadable: UnreadableEvent } | undefined {
  try {
    return toStoredEvent(resolved);
  } catch (error) {
    if (!(error instanceof SyntaxError) || !resolved.event) throw error;
    const recorded = resolved.event;
    const commit = recorded.position?.commit ?? resolved.commitPosition;
    const position = commit === undefined ? -1 : toSafeNumber(commit, 'commit position');
    const reason = `${recorded.isJson ? 'JSON' : 'binary'} event data is not JSON (${error.message})`;
    return { unreadable: { stream: recorded.streamId, id: recorded.id, position, reason } };
  }
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
 * In 1.3.1 readStream and readAll go through @kurrent/bridge, whose failures carry no gRPC code:
 * dist/utils/convertBridgeError.js turns every name it does not know (a connection closed
 * mid-stream, a server error, a parse error) into UnknownError. Not knowing what the store did is
 * the store being unavailable to us: fail closed.
 */
export function toPortError(error: unknown, append?: { stream: string; expected: ExpectedRevision }): unknown {
  if (error instanceof WrongExpectedRevisionError || error instanceof StoreUnavailableError) return error;
  if (append && isWrongExpectedVersion(error)) {
    return new WrongExpectedRevisionError(append.stream, append.expected, toCurrentRevision(error.actualState));
  }
  if (isUnavailable(error)) {
    return new StoreUnavailableError(`KurrentDB unavailable: ${errorMessage(error)}`, { cause: error });
  }
  return error;
}

function isWrongExpectedVersion(error: unknown): error is WrongExpectedVersionError {
  return error instanceof WrongExpectedVersionError || hasField(error, 'type', 'wrong-expected-version');
}

/** gRPC CANCELLED, UNKNOWN, DEADLINE_EXCEEDED, ABORTED, UNAVAILABLE, INTERNAL, DATA_LOSS. */
const UNAVAILABLE_GRPC_CODES = [1, 2, 4, 10, 14, 13, 15];
/** ErrorType values (dist/utils/CommandError.js) that say "no usable answer", not "no". */
const UNAVAILABLE_TYPES = ['unavailable', 'deadline-exceeded', 'timeout', 'cancelled', 'not-leader', 'unknown'];
const UNAVAILABLE_CLASSES = [UnavailableError, DeadlineExceededError, TimeoutError, CancelledError, NotLeaderError, UnknownError];

function isUnavailable(error: unknown): boolean {
  if (UNAVAILABLE_CLASSES.some((type) => error instanceof type)) return true;
  if (typeof error !== 'object' || error === null) return false;
  const { code, type } = error as { code?: unknown; type?: unknown };
  return (
    (typeof code === 'number' && UNAVAILABLE_GRPC_CODES.includes(code)) || (typeof type === 'string' && UNAVAILABLE_TYPES.includes(type))
  );
}

function hasField(error: unknown, field: string, value: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as Record<string, unknown>)[field] === value;
}

function asRecord(value: unknown): Record<string, unknown> {
  const isPlainObject = typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
  return isPlainObject ? (value as Record<string, unknown>) : {};
}

function decodeJson(bytes: Uint8Array): unknown {
  return JSON.parse(Buffer.from(bytes).toString('utf8')) as unknown;
}
