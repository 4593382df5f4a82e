import type { ConsumerMessages, JsMsg } from 'nats';
import { backoffDelay } from './backoff';
import { processMessage, type Delivery, type MessagePolicy } from './message-processor';

/** The store's group commit, as the transport needs it (SqliteEventStore provides both). */
export interface UnitOfWork {
  /** Appends made inside resolve before they are durable; `flush` makes them so. */
  deferDurability<T>(work: () => Promise<T>): Promise<T>;
  flush(): Promise<void>;
}

type Verdict = { kind: 'ack' } | { kind: 'nak'; delay?: number } | { kind: 'term'; reason?: string };

const ACK: Verdict = { kind: 'ack' };
const CONFIRMED = Promise.resolve(true);

/**
 * A delivery whose ack, nak or term is held back until the batch's writes are durable, so nothing
 * is acknowledged (or dead-letter-terminated) that a crash could still take back. A plain class
 * with the few members processMessage reads (no Proxy: a trap and a bind per property read cost
 * more than the rest of the batch bookkeeping).
 */
class HeldMessage implements Delivery {
  private verdict: Verdict | undefined;

  constructor(readonly msg: JsMsg) {}

  get subject(): string {
    return this.msg.subject;
  }

  get data(): Uint8Array {
    return this.msg.data;
  }

  get headers(): JsMsg['headers'] {
    return this.msg.headers;
  }

  get info(): JsMsg['info'] {
    return this.msg.info;
  }

  working(): void {
    this.msg.working();
  }

  /** Held, not sent: the batch's commit decides (see release). */
  ackAck(): Promise<boolean> {
    this.verdict ??= ACK;
    return CONFIRMED;
  }

  nak(delay?: number): void {
    this.verdict ??= delay === undefined ? { kind: 'nak' } : { kind: 'nak', delay };
  }

  term(reason?: string): void {
    this.verdict ??= reason === undefined ? { kind: 'term' } : { kind: 'term', reason };
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
      for (const message of held) await processMessage(message, inBatch);
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
    // Handed over whole, not copied out by splice(0).
    const batch = this.buffer;
    this.buffer = [];
    return batch;
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
