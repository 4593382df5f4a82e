import { Logger } from '@nestjs/common';
import { Server, type CustomTransportStrategy } from '@nestjs/microservices';
import type { ConsumerSpec, Envelope } from '@countersign/contracts';
import type { Freshness, Verification } from '@countersign/identity';
import { isObservable, lastValueFrom } from 'rxjs';
import { millis, type Consumer, type ConsumerMessages, type NatsConnection } from 'nats';
import { sleep } from './backoff';
import { MessageBatches, processBatch, type UnitOfWork } from './batch-processor';
import type { DeadLetter } from './dead-letter';
import { DEFAULT_MAX_CRASH_DELIVERIES, HandlerFailures } from './handler-failures';
import { JETSTREAM_TRANSPORT, type JetStreamContext } from './jetstream-context';
import { processMessage, type MessagePolicy } from './message-processor';
import type { SeenEvents } from './seen-events';

export interface JetStreamTransportOptions {
  /** Owned by the caller (often shared with the relay); close() stops consuming but leaves it open. */
  connection: NatsConnection;
  /** Durable pull consumers, created beforehand by provisioning; the service may not create them. */
  consumers: ConsumerSpec[];
  /** Must honour `freshness` (TrustStore.verifyBytes does) or external events go unbounded in time. */
  verify: (bytes: Uint8Array, freshness?: Freshness) => Verification;
  /** Records a rejected message (usually appends MessageDeadLettered to the service store). */
  deadLetter: (letter: DeadLetter) => Promise<void>;
  /**
   * Handler failures a message gets (in this process) before it is dead-lettered. Deliveries caused
   * by a crash of this process do not count: see HandlerFailures.
   */
  maxDeliver: number;
  /**
   * Deliveries of any cause after which a message is dead-lettered without running the handler
   * again: the guard against a message that crashes the process itself. Default 50.
   */
  maxCrashDeliveries?: number;
  /** nak delay after delivery n is backoffMs[n-1]; past the list, the last one. */
  backoffMs: number[];
  /** Messages pulled per request; small, because buffered messages age towards ack_wait too. */
  batch?: number;
  /** Allowed distance between an external ingress event's signed time and its arrival; default 5 minutes. */
  maxSkewMs?: number;
  /** Fallback arrival time for a message without a JetStream timestamp. */
  clock?: () => Date;
  /**
   * Durable replay guard for external ingress events (submissions, votes): give it to the service
   * that acts on them. An id seen before at another bus position is dead-lettered as `replayed_event`.
   */
  seenEvents?: SeenEvents;
  /**
   * The store's group commit. When given, each consumer processes what has arrived as one batch
   * whose appends share a commit, and acks only after it (see processBatch); without it, one
   * message at a time, each acked once its handler's appends resolved.
   */
  unitOfWork?: UnitOfWork;
  /** Told of every verified message given to dispatch (metrics): never throws into the transport. */
  observe?: (handled: HandledMessage) => void;
}

/** One verified message's dispatch: its type, consumer, outcome and how long the handler took. */
export interface HandledMessage {
  envelope: Envelope;
  consumer: string;
  outcome: 'handled' | 'ignored' | 'failed';
  seconds: number;
}

const RESTART_DELAY_MS = 1_000;
const DEFAULT_BATCH = 10;

/**
 * At most `batch` messages requested and not yet received, topped up only once three quarters of
 * them have arrived. nats.js refills at 75% by default: with 10 that is one pull request (a socket
 * write here, a request for the server to handle) per two deliveries; this is one per eight.
 */
export function pullOptions(batch: number): { max_messages: number; threshold_messages: number } {
  return { max_messages: batch, threshold_messages: Math.max(1, Math.floor(batch / 4)) };
}

/**
 * A Nest transport over durable JetStream pull consumers. Each consumer is processed one message
 * at a time (see processMessage for the verify → dispatch → ack/nak/term rules).
 *
 * Delivery is at least once: a message can arrive again after a nak, an ack_wait expiry, a lost
 * ack, or a republish after the duplicate window. Handlers MUST be idempotent (Countersign derives
 * the ids of the events a handler appends from the inbound event id, so a repeat is a no-op).
 */
export class JetStreamTransport extends Server<{ error: (error: unknown) => void }> implements CustomTransportStrategy {
  override readonly transportId = JETSTREAM_TRANSPORT;
  private readonly log = new Logger('JetStreamTransport');
  private readonly listeners: Array<(error: unknown) => void> = [];
  private readonly running: Array<{ messages?: ConsumerMessages; done: Promise<void> }> = [];
  private stopping = new AbortController();

  constructor(private readonly options: JetStreamTransportOptions) {
    super();
  }

  listen(callback: (error?: unknown) => void): void {
    this.start().then(
      () => callback(),
      (error: unknown) => callback(error),
    );
  }

  /** Stops pulling, lets the message in hand finish and settle, and returns. */
  async close(): Promise<void> {
    this.stopping.abort();
    await Promise.all(this.running.map((entry) => entry.messages?.close() ?? Promise.resolve()));
    await Promise.all(this.running.map((entry) => entry.done));
    this.running.length = 0;
  }

  on<K extends 'error'>(event: K, callback: (error: unknown) => void): void {
    if (event === 'error') this.listeners.push(callback);
  }

  unwrap<T>(): T {
    return this.options.connection as T;
  }

  /** Fails fast (before Nest reports the microservice ready) when a consumer does not exist. */
  private async start(): Promise<void> {
    this.stopping = new AbortController();
    const js = this.options.connection.jetstream();
    const consumers = await Promise.all(this.options.consumers.map((spec) => js.consumers.get(spec.stream, spec.durable)));
    consumers.forEach((consumer, index) => {
      const entry: { messages?: ConsumerMessages; done: Promise<void> } = { done: Promise.resolve() };
      entry.done = this.supervise(consumer, this.options.consumers[index]!, entry);
      this.running.push(entry);
    });
  }

  /** Keeps a consumer loop alive across unexpected ends (e.g. the iterator failing) until close(). */
  private async supervise(consumer: Consumer, spec: ConsumerSpec, entry: { messages?: ConsumerMessages }): Promise<void> {
    const policy = await this.policyFor(consumer);
    const { signal } = this.stopping;
    while (!signal.aborted) {
      try {
        entry.messages = await consumer.consume(pullOptions(this.options.batch ?? DEFAULT_BATCH));
        if (signal.aborted) entry.messages.stop(); // close() ran while consume() was starting
        await this.drain(entry.messages, policy);
      } catch (error) {
        this.log.error(`consumer ${spec.stream}/${spec.durable} stopped: ${String(error)}`);
        this.listeners.forEach((listener) => listener(error));
      }
      await sleep(RESTART_DELAY_MS, signal);
    }
  }

  private async drain(messages: ConsumerMessages, policy: MessagePolicy): Promise<void> {
    const unit = this.options.unitOfWork;
    if (!unit) {
      for await (const msg of messages) await processMessage(msg, policy);
      return;
    }
    const batches = new MessageBatches(messages);
    for (let batch = await batches.next(); batch.length > 0; batch = await batches.next()) await processBatch(batch, policy, unit);
  }

  private async policyFor(consumer: Consumer): Promise<MessagePolicy> {
    const ackWaitMs = millis((await consumer.info(true)).config.ack_wait ?? 0);
    return {
      verify: this.options.verify,
      deadLetter: this.options.deadLetter,
      dispatch: (envelope, context) => this.dispatch(envelope, context),
      maxDeliver: this.options.maxDeliver,
      failures: new HandlerFailures(),
      maxCrashDeliveries: Math.max(this.options.maxCrashDeliveries ?? DEFAULT_MAX_CRASH_DELIVERIES, this.options.maxDeliver),
      backoffMs: this.options.backoffMs,
      ...(ackWaitMs > 0 ? { workingIntervalMs: Math.max(100, Math.floor(ackWaitMs / 3)) } : {}),
      logger: this.log,
      ...pick(this.options, ['maxSkewMs', 'clock', 'seenEvents']),
    };
  }

  /** Nest's handler for the event type; types nobody here handles are acked as not of interest. */
  private async dispatch(envelope: Envelope, context: JetStreamContext): Promise<'handled' | 'no_handler'> {
    const started = performance.now();
    const observe = (outcome: HandledMessage['outcome']) =>
      this.options.observe?.({ envelope, consumer: context.consumer, outcome, seconds: (performance.now() - started) / 1_000 });
    // Our patterns are event types, plain strings: look them up directly. Nest's getHandlerByPattern
    // first tries JSON.parse on every pattern, which throws (and builds a stack) for each message.
    const handler = this.messageHandlers.get(envelope.type) ?? null;
    if (!handler) {
      observe('ignored');
      return 'no_handler';
    }
    try {
      const result: unknown = await handler(envelope, context);
      // Awaiting settled a promise; only a handler that returns an Observable has more to wait for.
      if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
    } catch (error) {
      observe('failed');
      throw error;
    }
    observe('handled');
    return 'handled';
  }
}

function pick<T extends object, K extends keyof T>(source: T, keys: K[]): Partial<Pick<T, K>> {
  return Object.fromEntries(keys.filter((key) => source[key] !== undefined).map((key) => [key, source[key]])) as Partial<Pick<T, K>>;
}
