import type { LoggerService } from '@nestjs/common';
import { ROOT_CONTEXT } from '@opentelemetry/api';
import { subjectFor, type Envelope, type FieldError } from '@countersign/contracts';
import { DEFAULT_MAX_SKEW_MS, type Freshness, type Verification } from '@countersign/identity';
import type { JsMsg } from 'nats';
import { backoffDelay } from './backoff';
import type { DeadLetter } from './dead-letter';
import type { HandlerFailures } from './handler-failures';
import { JetStreamContext, terminalVerdict } from './jetstream-context';
import type { SeenEvents } from './seen-events';
import { contextFromHeaders, inSpan, SpanKind, withLogFields } from './trace-context';

export type Dispatch = (envelope: Envelope, context: JetStreamContext) => Promise<'handled' | 'no_handler'>;

export interface MessagePolicy {
  /** Signature layer; `freshness` bounds the signed time of external ingress events. */
  verify: (bytes: Uint8Array, freshness?: Freshness) => Verification;
  deadLetter: (letter: DeadLetter) => Promise<void>;
  dispatch: Dispatch;
  /** Handler failures a message gets before it is dead-lettered (counted by `failures` when given). */
  maxDeliver: number;
  /**
   * When given, `maxDeliver` counts the handler's own failures in this process instead of
   * JetStream deliveries, so redeliveries caused by crashes cost a message nothing; the delivery
   * count is then only checked against `maxCrashDeliveries` (a crash-loop guard).
   */
  failures?: HandlerFailures;
  /** Deliveries (of any cause) after which a message is dead-lettered unhandled; `maxDeliver` by default. */
  maxCrashDeliveries?: number;
  backoffMs: number[];
  /** While a handler runs, the ack_wait timer is reset this often so a slow handler is not redelivered under it. */
  workingIntervalMs?: number;
  logger: Pick<LoggerService, 'log' | 'warn' | 'error'>;
  /** How far an external ingress event's signed time may be from its arrival; 5 minutes by default. */
  maxSkewMs?: number;
  /** Arrival time of a message without a JetStream timestamp (never the case on a real bus). */
  clock?: () => Date;
  /** Durable replay guard for external ingress events; without it, only JetStream's window dedups. */
  seenEvents?: SeenEvents;
}

/** What processMessage reads of a JetStream delivery: a JsMsg, or a batch's stand-in for one. */
export type Delivery = Pick<JsMsg, 'subject' | 'data' | 'headers' | 'info' | 'working' | 'nak' | 'term' | 'ackAck'>;

export type Outcome = 'acked' | 'ignored' | 'retried' | 'dead_lettered';

interface Rejection {
  code: string;
  message: string;
  errors?: FieldError[];
  claimedSigner?: string;
}

/**
 * One message, start to finish: verify before reading, check that the bus subject matches the
 * signer (a signer may only publish on its own subject), dispatch by event type, then ack, retry
 * with backoff, or dead-letter and terminate. Never throws, by construction: whatever throws before
 * dispatch (verification, subject rules, a limit crossed deep in a library) is dead-lettered, so one
 * poison message can never stop the consumer and strand the messages fetched with it.
 */
export async function processMessage(msg: Delivery, policy: MessagePolicy): Promise<Outcome> {
  return inInboundTrace(msg, async () => {
    try {
      return await settle(msg, policy);
    } catch (error) {
      return unprocessable(msg, policy, error);
    }
  });
}

/**
 * Everything done for one message happens in its own consumer span: a child of the trace the
 * message carries in its `traceparent` header, or the root of a new trace when it carries none
 * (marked fresh, so a decision about a known request continues that request's trace instead).
 */
async function inInboundTrace(msg: Delivery, work: () => Promise<Outcome>): Promise<Outcome> {
  let inbound: ReturnType<typeof contextFromHeaders>;
  try {
    inbound = contextFromHeaders(msg.headers);
  } catch {
    inbound = undefined; // unreadable headers are no reason to refuse a message; the trace just starts here
  }
  const attributes = { 'messaging.system': 'nats', 'messaging.destination.name': msg.subject, 'messaging.operation.type': 'process' };
  return inSpan(`process ${msg.subject}`, inbound ?? ROOT_CONTEXT, { kind: SpanKind.CONSUMER, attributes, fresh: !inbound }, work);
}

async function settle(msg: Delivery, policy: MessagePolicy): Promise<Outcome> {
  const context = contextOf(msg);
  const arrival = arrivalOf(msg, policy);
  const verification = policy.verify(msg.data, { now: arrival, maxSkewMs: policy.maxSkewMs ?? DEFAULT_MAX_SKEW_MS });
  if (!verification.ok) {
    const { code, message, errors, claimedSigner } = verification;
    return reject(msg, context, policy, { code, message, ...optional({ errors, claimedSigner }) });
  }
  const envelope = verification.envelope as Envelope;
  const mismatch = subjectMismatch(envelope, msg.subject);
  if (mismatch) return reject(msg, context, policy, { code: 'subject_mismatch', message: mismatch, claimedSigner: envelope.signer });
  if (context.deliveries > (policy.maxCrashDeliveries ?? policy.maxDeliver)) {
    // Back after a crash on its last allowed attempt: do not let a poison message crash-loop us.
    return reject(msg, context, policy, {
      code: 'max_deliveries',
      message: `delivered ${context.deliveries} times`,
      claimedSigner: envelope.signer,
    });
  }
  // Every log line about this message from here on names the event and its request.
  const fields = { eventId: envelope.id, eventType: envelope.type, ...requestOf(envelope) };
  return withLogFields(fields, () => handle(msg, envelope, context, arrival, policy));
}

async function handle(
  msg: Delivery,
  envelope: Envelope,
  context: JetStreamContext,
  arrival: Date,
  policy: MessagePolicy,
): Promise<Outcome> {
  const heartbeat = policy.workingIntervalMs ? setInterval(() => msg.working(), policy.workingIntervalMs) : undefined;
  try {
    // Inside the try: a store that cannot answer means retry later, like a failing handler.
    const replay = await replayOf(envelope, context, arrival, policy);
    if (replay) return await reject(msg, context, policy, replay);
    const result = await policy.dispatch(envelope, context);
    policy.failures?.settle(keyOf(context));
    await confirmAck(msg, policy);
    return result === 'handled' ? 'acked' : 'ignored';
  } catch (error) {
    return failed(msg, envelope, context, policy, error);
  } finally {
    clearInterval(heartbeat);
  }
}

async function failed(
  msg: Delivery,
  envelope: Envelope,
  context: JetStreamContext,
  policy: MessagePolicy,
  error: unknown,
): Promise<Outcome> {
  const signer = { claimedSigner: envelope.signer };
  const terminal = terminalVerdict(error);
  if (terminal) return reject(msg, context, policy, { ...terminal, ...signer });
  const attempts = policy.failures?.record(keyOf(context)) ?? context.deliveries;
  if (attempts >= policy.maxDeliver) {
    const message = `handler failed ${attempts} times (delivery ${context.deliveries}); last error: ${describe(error)}`;
    return reject(msg, context, policy, { code: 'max_deliveries', message, ...signer });
  }
  const delay = backoffDelay(policy.backoffMs, attempts);
  policy.logger.warn(
    `${where(context)} ${envelope.type} failed (attempt ${attempts}, delivery ${context.deliveries}), retry in ${delay} ms: ${describe(error)}`,
  );
  msg.nak(delay);
  return 'retried';
}

/**
 * A replay is an event id already handled from another bus position, whoever signed it. The same
 * message redelivered (same stream sequence, e.g. after a crash before the ack) is not one. A
 * service event republished by its relay after JetStream's duplicate window is reported too: it is
 * harmless (its first copy was handled), and reporting it keeps every second copy visible to audit.
 */
async function replayOf(
  envelope: Envelope,
  context: JetStreamContext,
  arrival: Date,
  policy: MessagePolicy,
): Promise<Rejection | undefined> {
  if (!policy.seenEvents) return undefined;
  const { stream, streamSequence, consumer } = context;
  const sighting = await policy.seenEvents.remember(envelope.id, { stream, streamSequence, consumer, arrivedAtMs: arrival.getTime() });
  if (sighting !== 'replay') return undefined;
  const message = `event ${envelope.id} was already received; ${context.stream}#${context.streamSequence} is a replay`;
  return { code: 'replayed_event', message, claimedSigner: envelope.signer };
}

/**
 * When the message entered the bus: JetStream's stored timestamp, set by the server, the same on
 * every redelivery and unaffected by how long this consumer was down. Judging freshness against it
 * (not our wall clock) keeps honest submissions queued during an outage acceptable, while a
 * captured one republished later gets a new, later timestamp and is refused as stale.
 */
function arrivalOf(msg: Delivery, policy: MessagePolicy): Date {
  const nanos = msg.info.timestampNanos;
  return Number.isFinite(nanos) && nanos > 0 ? new Date(Math.floor(nanos / 1e6)) : (policy.clock?.() ?? new Date());
}

/** Records the dead letter first; only then is the message terminated, so nothing is lost. */
async function reject(msg: Delivery, context: JetStreamContext, policy: MessagePolicy, rejection: Rejection): Promise<Outcome> {
  const [info] = context.getArgs();
  const letter: DeadLetter = { ...rejection, ...info, payload: msg.data };
  try {
    await policy.deadLetter(letter);
  } catch (error) {
    const delay = backoffDelay(policy.backoffMs, context.deliveries);
    policy.logger.error(`${where(context)} could not be dead-lettered (${rejection.code}), retry in ${delay} ms: ${describe(error)}`);
    msg.nak(delay);
    return 'retried';
  }
  policy.logger.warn(`${where(context)} dead-lettered: ${rejection.code}: ${rejection.message}`);
  policy.failures?.settle(keyOf(context));
  msg.term();
  return 'dead_lettered';
}

/**
 * The last resort for a throw outside the handler: recorded as a dead letter, then terminated,
 * like any unverifiable message (fail closed: what could not be checked is not believed). If even
 * that throws (the connection is gone), the message stays unacknowledged and JetStream redelivers it.
 */
async function unprocessable(msg: Delivery, policy: MessagePolicy, error: unknown): Promise<Outcome> {
  try {
    const rejection = terminalVerdict(error) ?? { code: 'unprocessable', message: describe(error) };
    return await reject(msg, contextOf(msg), policy, rejection);
  } catch (again) {
    try {
      policy.logger.error(`message on ${String(msg.subject)} left for redelivery: ${describe(error)}; then ${describe(again)}`);
    } catch {
      // A logger that throws must not turn into a consumer stop either.
    }
    return 'retried';
  }
}

/** A lost ack only means a redelivery, which idempotent handlers absorb; it is logged, not retried. */
async function confirmAck(msg: Delivery, policy: MessagePolicy): Promise<void> {
  try {
    await msg.ackAck();
  } catch (error) {
    policy.logger.warn(`ack of ${msg.info.stream}#${msg.info.streamSequence} not confirmed: ${describe(error)}`);
  }
}

function subjectMismatch(envelope: Envelope, subject: string): string | undefined {
  try {
    const expected = subjectFor(envelope);
    return expected === subject ? undefined : `${envelope.signer} must publish ${envelope.type} on ${expected}, not ${subject}`;
  } catch (error) {
    return `no subject for ${envelope.type} from ${envelope.signer}: ${describe(error)}`;
  }
}

function contextOf(msg: Delivery): JetStreamContext {
  const { stream, consumer, streamSequence, deliveryCount } = msg.info;
  return new JetStreamContext({ subject: msg.subject, stream, consumer, streamSequence, deliveries: deliveryCount });
}

function optional<T extends Record<string, unknown>>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/** The request an envelope is about: its correlation id, or the requestId of its data. */
function requestOf(envelope: Envelope): { requestId?: string } {
  const requestId = envelope.correlationid ?? (envelope.data as { requestId?: unknown } | null)?.requestId;
  return typeof requestId === 'string' ? { requestId } : {};
}

const keyOf = (context: JetStreamContext) => `${context.stream}#${context.streamSequence}`;
const where = (context: JetStreamContext) => `${context.consumer} ${context.stream}#${context.streamSequence}`;

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null && 'message' in error) return String(error.message);
  return String(error);
}
