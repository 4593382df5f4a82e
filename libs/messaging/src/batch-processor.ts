import type { ConsumerMessages, JsMsg } from 'nats';
import { backoffDelay } from './backoff';
import { processMessage, type MessagePolicy } from './message-processor';

/** The store's group commit, as the transport needs it (SqliteEventStore provides both). */
export interface UnitOfWork {
  /** Appends made inside resolve before they are durable; `flush` makes them so. */
  deferDurability<T>(work: () => Promise<T>): Promise<T>;
  flush(): Promise<void>;
}

type Verdict = { kind: 'ack' } | { kind: 'nak'; delay?: number } | { kind: 'term'; reason?: string };

/**
 * A delivery whose ack, nak or term is held back until the batch's writes are durable, so nothing
 * is acknowledged (or dead-letter-terminated) that a crash could still take back.
 */
class HeldMessage {
  private verdict: Verdict | undefined;
  readonly view: JsMsg;

  constructor(readonly msg: JsMsg) {
    const overrides: Partial<JsMsg> = {
      ack: () => this.hold({ kind: 'ack' }),
      ackAck: () => {
        this.hold({ kind: 'ack' });
        return Promise.resolve(true);
      },
      nak: (delay?: number) => this.hold({ kind: 'nak', ...(delay === undefined ? {} : { delay }) }),
      term: (reason?: string) => this.hold({ kind: 'term', ...(reason === undefined ? {} : { reason }) }),
    };
    this.view = new Proxy(msg, {
      get: (target, property, receiver) => {
        if (typeof property === 'string' && property in overrides) return overrides[property as keyof JsMsg];
        const value: unknown = Reflect.get(target, property, receiver === this.view ? target : receiver);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
  }

  release(): void {
    const verdict = this.verdict;
    if (verdict?.kind === 'ack') this.msg.ack();
    else if (verdict?.kind === 'nak') this.msg.nak(verdict.delay);
    else if (verdict?.kind === 'term') this.msg.term(verdict.reason);
  }

  /** The batch's writes did not become durable: whatever was decided must be decided again. */
  retry(delay: number): void {
    if (this.verdict) this.msg.nak(delay);
  }

  private hold(verdict: Verdict): void {
    this.verdict ??= verdict;
  }
}

/**
 * Group commit for one consumer: the deliveries of a batch are processed one after the other, in
 * bus order, exactly as processMessage does alone (verify, replay guard, handler, verdict); their
 * appends (seen-markers, decisions, dead letters) share one commit, and only after it are the
 * verdicts sent. Fewer fsyncs, and no ack round trip per message.
 */
export async function processBatch(messages: JsMsg[], policy: MessagePolicy, unit: UnitOfWork): Promise<void> {
  const held = messages.map((msg) => new HeldMessage(msg));
  // Every message of the batch waits for the others and the commit before its verdict: keep each
  // one's ack_wait from running out meanwhile, or JetStream hands it out again while it is in hand.
  const heartbeat = policy.workingIntervalMs
    ? setInterval(() => held.forEach((message) => message.msg.working()), policy.workingIntervalMs)
    : undefined;
  // The batch's heartbeat covers every message in it: no timer of their own.
  const { workingIntervalMs: _perMessage, ...inBatch } = policy;
  try {
    await unit.deferDurability(async () => {
      for (const message of held) await processMessage(message.view, inBatch);
    });
    try {
      await unit.flush();
    } catch (error) {
      const delay = backoffDelay(policy.backoffMs, 1);
      policy.logger.error(`a batch of ${held.length} could not be made durable, retry in ${delay} ms: ${String(error)}`);
      held.forEach((message) => message.retry(delay));
      return;
    }
    held.forEach((message) => message.release());
  } finally {
    clearInterval(heartbeat);
  }
}

/**
 * Turns a consumer's message iterator into batches: whatever has arrived while the previous batch
 * was processed, in arrival order. Ends when the iterator ends; rethrows its failure.
 */
export class MessageBatches {
  private buffer: JsMsg[] = [];
  private ended = false;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;

  constructor(messages: ConsumerMessages) {
    void this.pump(messages);
  }

  /** The next batch; an empty one once the iterator has ended. */
  async next(): Promise<JsMsg[]> {
    while (this.buffer.length === 0 && !this.ended) await new Promise<void>((resolve) => (this.wake = resolve));
    if (this.buffer.length === 0 && this.failure !== undefined) throw this.failure;
    return this.buffer.splice(0);
  }

  private async pump(messages: ConsumerMessages): Promise<void> {
    try {
      for await (const msg of messages) {
        this.buffer.push(msg);
        this.signal();
      }
    } catch (error) {
      this.failure = error instanceof Error ? error : new Error(String(error));
    }
    this.ended = true;
    this.signal();
  }

  private signal(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
