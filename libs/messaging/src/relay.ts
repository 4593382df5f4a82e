import { setMaxListeners } from 'node:events';
import type { Context } from '@opentelemetry/api';
import { Logger, type LoggerService } from '@nestjs/common';
import { type Envelope, errorMessage, subjectFor } from '@countersign/contracts';
import type { CheckpointStore, EventStore, StoredEvent, Subscription } from '@countersign/event-store';
import type { JetStreamClient, NatsConnection } from 'nats';
import { backoffDelay, sleep } from './backoff';
import { PubAckRequests } from './pub-acks';
import { CoalescedCheckpoints } from './relay-checkpoints';
import { contextFromTraceparent, inSpan, SpanKind, traceHeaders } from './trace-context';

export interface OutboxRelayOptions {
  /** Checkpoint name; one relay per service store. */
  name: string;
  /** The identity id whose envelopes this relay publishes, e.g. `service:intake`. */
  identity: string;
  store: EventStore;
  checkpoints: CheckpointStore;
  nc?: NatsConnection;
  js?: JetStreamClient;
  logger?: Pick<LoggerService, 'log' | 'warn' | 'error'>;
  /** Delays between attempts of one publish (or checkpoint); the last repeats forever. */
  retryDelaysMs?: number[];
  publishTimeoutMs?: number;
  /**
   * Publishes awaiting their PubAck at once. 1 (the default) publishes strictly one by one, which
   * keeps the bus in store order through any outage; more pipelines them (see handle()), faster,
   * but a connection lost mid-window can let a later event overtake an earlier one.
   */
  window?: number;
}

export const DEFAULT_RELAY_WINDOW = 1;

export const DEFAULT_RELAY_RETRY_DELAYS_MS = [100, 250, 500, 1_000, 2_000, 5_000];

/** Thrown inside the store subscription to end it when the relay stops mid-retry. */
class RelayStopped extends Error {
  override readonly name = 'RelayStopped';
}

/** One event the relay has taken from the store and not yet retired. */
interface InFlight {
  position: number;
  published: boolean;
  done: boolean;
  settled: Promise<void>;
}

/**
 * The only publisher of a service's events. It follows the store in order and publishes each of
 * the service's own envelopes with Nats-Msg-Id = event id. Up to `window` publishes are in flight
 * at once, sent in store order on one connection (so JetStream stores them in that order); the
 * checkpoint only ever moves past an event whose PubAck came back and whose predecessors' did too,
 * and is saved once per run of acknowledged events rather than once per event. Nothing is skipped:
 * a publish that fails is retried forever and holds the checkpoint. Delivery is at least once: a
 * crash before the checkpoint republishes, which JetStream deduplicates inside its
 * duplicate_window and consumers must tolerate beyond it. After a failure no new publish starts
 * until every earlier one is on the bus. The one order caveat left: if a publish fails while later
 * ones already sent succeed (a connection lost mid-window), its retry lands after them; consumers
 * already take redeliveries out of order, and `window: 1` rules it out.
 */
export class OutboxRelay {
  private readonly logger: Pick<LoggerService, 'log' | 'warn' | 'error'>;
  private readonly js: JetStreamClient;
  /** With a connection: publishes without nats.js's per-request Error objects (see PubAckRequests). */
  private readonly pubAcks: PubAckRequests | undefined;
  private readonly retryDelaysMs: number[];
  private subscription: Subscription | undefined;
  private abort = new AbortController();
  private processed = -1;
  private publishedCount = 0;
  private waiters: Array<{ target: number; resolve: () => void }> = [];
  private readonly window: number;
  private inFlight: InFlight[] = [];
  /** Publishes in the window that failed at least once and have not gone out yet. */
  private failing = 0;
  private readonly checkpoints: CoalescedCheckpoints;

  constructor(private readonly options: OutboxRelayOptions) {
    const js = options.js ?? options.nc?.jetstream();
    if (!js) throw new Error('OutboxRelay needs a NATS connection or a JetStream client');
    this.js = js;
    this.pubAcks = options.nc && !options.js ? new PubAckRequests(options.nc, options.publishTimeoutMs || undefined) : undefined;
    this.logger = options.logger ?? new Logger(`OutboxRelay:${options.name}`);
    this.retryDelaysMs = options.retryDelaysMs ?? DEFAULT_RELAY_RETRY_DELAYS_MS;
    this.window = Math.max(1, options.window ?? DEFAULT_RELAY_WINDOW);
    const { checkpoints, name } = options;
    this.checkpoints = new CoalescedCheckpoints((target) =>
      this.retryForever(`checkpoint ${target}`, () => checkpoints.save(name, target)),
    );
  }

  /** Store position of the last event handled (published or deliberately skipped). */
  get position(): number {
    return this.processed;
  }

  /** Events published since start (PubAcks received, duplicates included). */
  get published(): number {
    return this.publishedCount;
  }

  async start(): Promise<void> {
    if (this.subscription) return;
    this.abort = new AbortController();
    // Every publish in the window may be waiting out a retry delay on this signal at once.
    setMaxListeners(this.window + 16, this.abort.signal);
    this.processed = (await this.options.checkpoints.load(this.options.name)) ?? -1;
    this.checkpoints.reset(this.processed);
    this.inFlight = [];
    this.failing = 0;
    this.subscribe();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    const subscription = this.subscription;
    this.subscription = undefined;
    await subscription?.stop();
    // Publishes already answered still get their checkpoint; the rest stop retrying.
    await Promise.all(this.inFlight.map((entry) => entry.settled));
    this.retire();
    await this.checkpoints.flush();
    this.pubAcks?.close();
  }

  /** Resolves once every event in the store at the time of the call has been handled. */
  async caughtUp(): Promise<void> {
    const target = await this.headPosition();
    if (this.processed >= target) return;
    await new Promise<void>((resolve) => this.waiters.push({ target, resolve }));
  }

  private subscribe(): void {
    this.subscription = this.options.store.subscribeToAll(
      this.processed,
      (event) => this.handle(event),
      (error) => this.onSubscriptionError(error),
    );
  }

  /** The store ended the subscription (not us): resume from the last handled event after a pause. */
  private onSubscriptionError(error: unknown): void {
    if (error instanceof RelayStopped || this.abort.signal.aborted) return;
    this.logger.error(`store subscription failed, resubscribing from ${this.processed}: ${describe(error)}`);
    const resume = async () => {
      await sleep(backoffDelay(this.retryDelaysMs, this.retryDelaysMs.length), this.abort.signal);
      if (!this.abort.signal.aborted) this.subscribe();
    };
    resume().catch((failure: unknown) => {
      this.logger.error(`resubscribe failed: ${describe(failure)}`);
    });
  }

  /**
   * Takes the next event in store order. An own envelope starts its publish and returns at once
   * unless the window is full, in which case it waits for the oldest to be retired first.
   */
  private async handle(event: StoredEvent): Promise<void> {
    if (this.abort.signal.aborted) throw new RelayStopped();
    const entry: InFlight = { position: event.position, published: false, done: true, settled: Promise.resolve() };
    if (isOwnEnvelope(event.data, this.options.identity)) {
      // After a failed publish, nothing new goes out until every earlier one is on the bus, so an
      // outage does not let later events overtake the ones waiting to be retried.
      while (this.failing > 0) {
        await Promise.all(this.inFlight.map((pending) => pending.settled));
        if (this.abort.signal.aborted) throw new RelayStopped();
      }
      entry.done = false;
      entry.published = true;
      let failed = false;
      const attempt = async () => {
        try {
          await this.publish(event);
        } catch (error) {
          if (!failed) this.failing += 1;
          failed = true;
          throw error;
        }
      };
      const recovered = () => {
        if (failed) this.failing -= 1;
      };
      entry.settled = this.retryForever(`publish ${event.type} ${event.id}`, attempt).then(
        () => {
          recovered();
          this.publishedCount += 1;
          entry.done = true;
          this.retire();
        },
        recovered, // RelayStopped: the event stays unpublished and unretired.
      );
    }
    this.inFlight.push(entry);
    this.retire();
    while (this.inFlight.length >= this.window) {
      await this.inFlight[0]!.settled;
      if (this.abort.signal.aborted) throw new RelayStopped();
      this.retire();
    }
  }

  /** Retires the acknowledged events at the head of the window, in order, and asks for their checkpoint. */
  private retire(): void {
    let published = false;
    while (this.inFlight[0]?.done) {
      const entry = this.inFlight.shift()!;
      this.processed = entry.position;
      published ||= entry.published;
    }
    // Only published events move the durable checkpoint: a store that records checkpoints as
    // events (KurrentDB) would otherwise checkpoint its own checkpoints forever.
    if (published) this.checkpoints.want(this.processed);
    this.releaseWaiters();
  }

  /**
   * The trace the event was decided in comes from its metadata, so it survives the store: the
   * publish is a producer span of that trace and its context goes out in the message's headers.
   */
  private async publish(event: StoredEvent): Promise<void> {
    const envelope = event.data as Envelope;
    const bytes = Buffer.from(JSON.stringify(envelope), 'utf8');
    const subject = subjectFor(envelope);
    const send = async (ctx?: Context) => {
      const headers = ctx ? traceHeaders(ctx) : undefined;
      if (this.pubAcks) return this.pubAcks.publish(subject, bytes, event.id, headers);
      await this.js.publish(subject, bytes, {
        msgID: event.id,
        ...(headers ? { headers } : {}),
        ...(this.options.publishTimeoutMs ? { timeout: this.options.publishTimeoutMs } : {}),
      });
    };
    const decided = contextFromTraceparent(event.metadata.traceparent, event.metadata.tracestate);
    if (!decided) return send();
    const attributes = { 'messaging.system': 'nats', 'messaging.destination.name': subject, 'messaging.message.id': event.id };
    await inSpan(`publish ${subject}`, decided, { kind: SpanKind.PRODUCER, attributes }, (_span, ctx) => send(ctx));
  }

  /**
   * Never skips: an event that cannot be published blocks the ones behind it, loudly. The first
   * attempt runs even when stopping, so a publish that just succeeded still gets its checkpoint.
   */
  private async retryForever(what: string, attempt: () => Promise<void>): Promise<void> {
    for (let failures = 1; ; failures += 1) {
      try {
        await attempt();
        return;
      } catch (error) {
        if (this.abort.signal.aborted) throw new RelayStopped();
        const delay = backoffDelay(this.retryDelaysMs, failures);
        this.logger.warn(`${what} failed (attempt ${failures}), retrying in ${delay} ms: ${describe(error)}`);
        await sleep(delay, this.abort.signal);
        if (this.abort.signal.aborted) throw new RelayStopped();
      }
    }
  }

  private async headPosition(): Promise<number> {
    let head = this.processed;
    for (;;) {
      const page = await this.options.store.readAll(head, 1_000);
      const last = page[page.length - 1];
      if (!last) return head;
      head = last.position;
    }
  }

  private releaseWaiters(): void {
    const ready = this.waiters.filter((waiter) => this.processed >= waiter.target);
    this.waiters = this.waiters.filter((waiter) => this.processed < waiter.target);
    for (const waiter of ready) waiter.resolve();
  }
}

/** Local-only events and copies of other identities' envelopes stay in the store. */
export function isOwnEnvelope(data: unknown, identity: string): data is Envelope {
  if (typeof data !== 'object' || data === null) return false;
  const candidate = data as Partial<Record<keyof Envelope, unknown>>;
  return (
    candidate.signer === identity &&
    candidate.specversion === '1.0' &&
    typeof candidate.type === 'string' &&
    typeof candidate.signature === 'string'
  );
}

function describe(error: unknown): string {
  return errorMessage(error);
}
