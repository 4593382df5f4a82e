import { Logger, type LoggerService } from '@nestjs/common';
import { subjectFor, type Envelope } from '@countersign/contracts';
import type { CheckpointStore, EventStore, StoredEvent, Subscription } from '@countersign/event-store';
import type { JetStreamClient, NatsConnection } from 'nats';
import { backoffDelay, sleep } from './backoff';

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
}

export const DEFAULT_RELAY_RETRY_DELAYS_MS = [100, 250, 500, 1_000, 2_000, 5_000];

/** Thrown inside the store subscription to end it when the relay stops mid-retry. */
class RelayStopped extends Error {
  override readonly name = 'RelayStopped';
}

/**
 * The only publisher of a service's events. It follows the store in order and publishes each of
 * the service's own envelopes with Nats-Msg-Id = event id, waiting for the PubAck before the
 * checkpoint moves and before the next event, so the bus sees the store's order and nothing is
 * skipped. Delivery is at least once: a crash between PubAck and checkpoint republishes, which
 * JetStream deduplicates inside its duplicate_window and consumers must tolerate beyond it.
 */
export class OutboxRelay {
  private readonly logger: Pick<LoggerService, 'log' | 'warn' | 'error'>;
  private readonly js: JetStreamClient;
  private readonly retryDelaysMs: number[];
  private subscription: Subscription | undefined;
  private abort = new AbortController();
  private processed = -1;
  private publishedCount = 0;
  private waiters: Array<{ target: number; resolve: () => void }> = [];

  constructor(private readonly options: OutboxRelayOptions) {
    const js = options.js ?? options.nc?.jetstream();
    if (!js) throw new Error('OutboxRelay needs a NATS connection or a JetStream client');
    this.js = js;
    this.logger = options.logger ?? new Logger(`OutboxRelay:${options.name}`);
    this.retryDelaysMs = options.retryDelaysMs ?? DEFAULT_RELAY_RETRY_DELAYS_MS;
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
    this.processed = (await this.options.checkpoints.load(this.options.name)) ?? -1;
    this.subscribe();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    const subscription = this.subscription;
    this.subscription = undefined;
    await subscription?.stop();
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

  private async handle(event: StoredEvent): Promise<void> {
    if (this.abort.signal.aborted) throw new RelayStopped();
    if (isOwnEnvelope(event.data, this.options.identity)) {
      await this.retryForever(`publish ${event.type} ${event.id}`, () => this.publish(event));
      this.publishedCount += 1;
      // Only published events move the durable checkpoint: a store that records checkpoints as
      // events (KurrentDB) would otherwise checkpoint its own checkpoints forever.
      await this.retryForever(`checkpoint ${event.position}`, () => this.options.checkpoints.save(this.options.name, event.position));
    }
    this.processed = event.position;
    this.releaseWaiters();
  }

  private async publish(event: StoredEvent): Promise<void> {
    const envelope = event.data as Envelope;
    const bytes = Buffer.from(JSON.stringify(envelope), 'utf8');
    await this.js.publish(subjectFor(envelope), bytes, {
      msgID: event.id,
      ...(this.options.publishTimeoutMs ? { timeout: this.options.publishTimeoutMs } : {}),
    });
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
  return error instanceof Error ? error.message : String(error);
}
