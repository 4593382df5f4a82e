import { errorMessage } from '@countersign/contracts';
import type { ChainHead } from '@countersign/audit-chain';
import type { Verification } from '@countersign/identity';
import { sleep } from '@countersign/messaging';
import { judgeRecord } from './chain-check';
import { renderOcsf } from './ocsf';
import type { Forwardable, Sink } from './sinks/sink';
import type { ForwarderStatus, HeadFile, SinkStatus } from './state';

/** One message pulled from the forwarder's durable consumer. */
export interface Delivery {
  data: Uint8Array;
  /** Messages still pending on the consumer after this one. */
  pending: number;
  ack(): void;
  /** Resets the server's ack timer while a sink holds the batch back. */
  working(): void;
  /** Hands it back at once (when stopping), so a restarted forwarder need not wait out the ack wait. */
  nak(): void;
}

export interface AuditSource {
  pull(max: number): Promise<Delivery[]>;
}

export interface ForwarderOptions {
  source: AuditSource;
  verify: (bytes: Uint8Array) => Verification;
  sinks: Sink[];
  head: HeadFile;
  report: (status: ForwarderStatus) => void;
  log: (line: string) => void;
  batch?: number;
  /** Retry delays for a sink that asked to retry; the last repeats. */
  backoffMs?: number[];
}

const DEFAULT_BACKOFF = [500, 1_000, 2_000, 5_000, 10_000];

/**
 * Reads CS_AUDIT in order and delivers each record to every sink. A batch is acked on NATS only
 * after every sink accepted all of it and the head is saved: at least once, in sequence order.
 * A sink that is down holds everything back (lag grows and is reported); nothing is skipped.
 */
export class Forwarder {
  private readonly stopping = new AbortController();
  private head: ChainHead;
  private readonly sinkStatus: Record<string, SinkStatus>;
  private lag = 0;

  constructor(private readonly options: ForwarderOptions) {
    this.head = options.head.load();
    this.sinkStatus = Object.fromEntries(options.sinks.map((sink) => [sink.name, { state: 'ok' }]));
  }

  stop(): void {
    this.stopping.abort();
  }

  /** Runs until stop(), or until a record or a sink leaves nothing to do but report (the reason). */
  async run(): Promise<{ stoppedBecause?: string }> {
    this.publish('starting');
    while (!this.stopping.signal.aborted) {
      const deliveries = await this.pull();
      if (deliveries.length === 0) {
        this.lag = 0;
        this.publish('idle');
        continue;
      }
      this.lag = deliveries.length + (deliveries[deliveries.length - 1]?.pending ?? 0);
      const problem = await this.forward(deliveries);
      if (problem) {
        this.options.log(`STOPPED, nothing acknowledged past audit sequence ${this.head.sequence}: ${problem}`);
        this.publish('stopped', problem);
        return { stoppedBecause: problem };
      }
    }
    return {};
  }

  /** A failed pull (NATS unreachable, a failover) is reported and retried; it never ends the forwarder. */
  private async pull(): Promise<Delivery[]> {
    try {
      return await this.options.source.pull(this.options.batch ?? 100);
    } catch (error) {
      this.options.log(`pulling CS_AUDIT failed, retrying: ${errorMessage(error)}`);
      await sleep(1_000, this.stopping.signal);
      return [];
    }
  }

  private async forward(deliveries: Delivery[]): Promise<string | undefined> {
    const ready: Array<{ delivery: Delivery; item: Forwardable }> = [];
    let head = this.head;
    let broken: string | undefined;
    for (const delivery of deliveries) {
      const verdict = judgeRecord(this.options.verify(delivery.data), head);
      if (verdict.kind === 'checkpoint') {
        delivery.ack();
        continue;
      }
      if (verdict.kind === 'already_delivered') {
        delivery.ack(); // every sink accepted it before the head moved past it
        continue;
      }
      if (verdict.kind === 'broken') {
        broken = verdict.problem;
        break;
      }
      const { record } = verdict;
      ready.push({ delivery, item: { sequence: record.sequence, hash: record.hash, ocsf: renderOcsf(record) } });
      head = { sequence: record.sequence, hash: record.hash };
    }
    if (ready.length > 0) {
      const failure = await this.deliver(
        ready.map((entry) => entry.item),
        () => ready.forEach((entry) => entry.delivery.working()),
      );
      if (failure) {
        deliveries.forEach((delivery) => delivery.nak());
        return failure;
      }
      this.options.head.save(head);
      this.head = head;
      ready.forEach((entry) => entry.delivery.ack());
      this.lag = Math.max(0, this.lag - ready.length);
      this.publish('forwarding');
    }
    return broken;
  }

  /** Every sink, until each accepted the whole batch; only a `stop` answer ends it early. */
  private async deliver(items: Forwardable[], keepAlive: () => void): Promise<string | undefined> {
    const waiting = new Set(this.options.sinks);
    let attempt = 0;
    while (waiting.size > 0) {
      if (this.stopping.signal.aborted) return 'forwarder stopping';
      for (const sink of [...waiting]) {
        const outcome = await sink.send(items);
        if (outcome.ok) {
          waiting.delete(sink);
          this.sinkStatus[sink.name] = { state: 'ok' };
        } else if (!outcome.retry) {
          this.sinkStatus[sink.name] = { state: 'stopped', lastError: outcome.reason, since: new Date().toISOString() };
          return `${sink.name}: ${outcome.reason}`;
        } else this.noteRetry(sink, outcome.reason, attempt + 1);
      }
      if (waiting.size === 0) break;
      attempt += 1;
      const delay = pick(this.options.backoffMs ?? DEFAULT_BACKOFF, attempt);
      this.options.log(`waiting for ${[...waiting].map((sink) => sink.name).join(', ')}; retry in ${delay} ms; lag ${this.lag} records`);
      this.publish('waiting_for_sink');
      // Keeps the batch in hand alive every second, so even a short ack wait does not redeliver it.
      for (let waited = 0; waited < delay && !this.stopping.signal.aborted; waited += 1_000) {
        keepAlive();
        await sleep(Math.min(1_000, delay - waited), this.stopping.signal);
      }
    }
    return undefined;
  }

  private noteRetry(sink: Sink, reason: string, attempts: number): void {
    const previous = this.sinkStatus[sink.name];
    const since = previous?.state === 'retrying' ? previous.since : new Date().toISOString();
    this.sinkStatus[sink.name] = { state: 'retrying', lastError: reason, attempts, ...(since ? { since } : {}) };
  }

  private publish(state: ForwarderStatus['state'], stoppedBecause?: string): void {
    this.options.report({
      state,
      head: this.head,
      lag: this.lag,
      sinks: { ...this.sinkStatus },
      ...(stoppedBecause ? { stoppedBecause } : {}),
      updatedAt: new Date().toISOString(),
    });
  }
}

const pick = (delays: number[], attempt: number) => delays[Math.min(attempt, delays.length) - 1] ?? 1_000;
