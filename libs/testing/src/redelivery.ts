import fc from 'fast-check';

/**
 * Redelivery schedules for property tests: every message of a flow is delivered 1-5 times, in an
 * order the real bus can produce. Across consumers anything goes; within one consumer the first
 * deliveries keep the bus order and only redeliveries (a lost ack, an ack_wait expiry, a restart)
 * come back later, at any point after the first.
 */

/** How a message ended one delivery, as the transport would settle it. */
export type Settlement = 'ack' | 'nak' | 'term';

export interface DeliveryPlan {
  /** Deliveries per message, 1-5, even when every one succeeds (duplicates the handler must absorb). */
  copies: number[];
  /** Random choices that drive the interleaving and where a nak'd message comes back. */
  picks: number[];
}

/** Plans for `count` messages. */
export const deliveryPlans = (count: number): fc.Arbitrary<DeliveryPlan> =>
  fc.record({
    copies: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: count, maxLength: count }),
    picks: fc.array(fc.nat(), { minLength: 8 * count, maxLength: 8 * count }),
  });

class Picker {
  private next = 0;
  constructor(private readonly picks: number[]) {}
  /** An index below `bound`; the picks are reused cyclically when a long run exhausts them. */
  pick(bound: number): number {
    const value = this.picks.length === 0 ? 0 : this.picks[this.next++ % this.picks.length]!;
    return value % bound;
  }
}

export interface Inbound {
  /** The durable consumer that receives the message; first deliveries keep the bus order within it. */
  consumer: string;
  /**
   * Whether the message can exist yet: one sent in answer to what the service itself published
   * (an approver votes on the digest approval published) must not arrive before the service did
   * publish it. Asked before each first delivery; always ready when left out.
   */
  ready?: () => boolean;
}

export interface DeliveryReport {
  deliveries: number;
  naks: number;
  /** Indices of the messages the handler terminated (dead-lettered). */
  terminated: number[];
}

type Deliver = (index: number, deliveryCount: number) => Promise<Settlement>;

/** Deliveries a nak'd message may be overtaken by before it comes back (its backoff, in steps). */
const MAX_BACKOFF_STEPS = 6;

/**
 * Delivers the messages (listed in bus order) as `plan` says. Each step picks a consumer that has
 * something to hand out, then one of: its next message not yet delivered (if it can exist yet), a
 * redelivery of one it already had, or a nak'd message whose backoff is over.
 * A nak puts the message back for later, as JetStream's nak with a delay does; other consumers,
 * and later messages of its own, go on meanwhile. If nothing can progress, that throws.
 */
export async function deliverAll(inbound: Inbound[], plan: DeliveryPlan, deliver: Deliver): Promise<DeliveryReport> {
  const picker = new Picker(plan.picks);
  const state = new Schedule(inbound, plan.copies);
  const report: DeliveryReport = { deliveries: 0, naks: 0, terminated: [] };
  let naksInARow = 0;
  for (let time = 0; !state.done(); time += 1) {
    const open = state
      .consumers()
      .map((consumer) => state.options(consumer, time))
      .filter((options) => options.length > 0);
    if (open.length === 0) {
      const wakeUp = state.nextBackoff();
      if (wakeUp === undefined) throw new Error(`stuck: ${state.describe()}`);
      time = wakeUp - 1;
      continue;
    }
    const options = open[picker.pick(open.length)]!;
    const index = options[picker.pick(options.length)]!;
    const settlement = await deliver(index, state.take(index, time));
    report.deliveries += 1;
    if (settlement === 'term') report.terminated.push(index);
    naksInARow = settlement === 'nak' ? naksInARow + 1 : 0;
    if (naksInARow > 20 + 10 * inbound.length) throw new Error(`stuck: only naks; ${state.describe()}`);
    if (settlement === 'nak') {
      report.naks += 1;
      state.nak(index, time + 1 + picker.pick(MAX_BACKOFF_STEPS));
    }
  }
  return report;
}

/** Each message once, in bus order; a nak'd message goes to the back of the line. */
export async function deliverInOrder(count: number, deliver: Deliver): Promise<DeliveryReport> {
  const queue = Array.from({ length: count }, (_, index) => index);
  const counts = new Map<number, number>();
  const report: DeliveryReport = { deliveries: 0, naks: 0, terminated: [] };
  for (let naksInARow = 0; queue.length > 0;) {
    const index = queue.shift()!;
    counts.set(index, (counts.get(index) ?? 0) + 1);
    const settlement = await deliver(index, counts.get(index)!);
    report.deliveries += 1;
    if (settlement === 'term') report.terminated.push(index);
    naksInARow = settlement === 'nak' ? naksInARow + 1 : 0;
    if (naksInARow > queue.length + 1) throw new Error(`stuck: messages ${[index, ...queue].join(', ')} only nak`);
    if (settlement === 'nak') queue.push(index);
  }
  return report;
}

class Schedule {
  private readonly queues = new Map<string, number[]>();
  private readonly introduced = new Map<string, number>();
  private readonly left: number[];
  private readonly counts: number[];
  /** nak'd messages and the time from which they come back. */
  private readonly backoff = new Map<number, number>();

  constructor(
    private readonly inbound: Inbound[],
    copies: number[],
  ) {
    inbound.forEach(({ consumer }, index) => this.queues.set(consumer, [...(this.queues.get(consumer) ?? []), index]));
    for (const consumer of this.queues.keys()) this.introduced.set(consumer, 0);
    this.left = [...copies];
    this.counts = inbound.map(() => 0);
  }

  consumers(): string[] {
    return [...this.queues.keys()];
  }

  /** What `consumer` could hand out at `time`. */
  options(consumer: string, time: number): number[] {
    const queue = this.queues.get(consumer)!;
    const firsts = this.introduced.get(consumer)!;
    const next = queue[firsts];
    const ready = next !== undefined && (this.inbound[next]!.ready?.() ?? true);
    const seen = queue.slice(0, firsts);
    const copies = seen.filter((index) => this.left[index]! > 0 && !this.backoff.has(index));
    const retries = seen.filter((index) => this.due(index, time));
    return [...(ready ? [next] : []), ...copies, ...retries];
  }

  /** Takes one delivery of `index` (a due retry before a planned copy); returns its delivery count. */
  take(index: number, time: number): number {
    const consumer = this.inbound[index]!.consumer;
    const firsts = this.introduced.get(consumer)!;
    if (this.queues.get(consumer)![firsts] === index) this.introduced.set(consumer, firsts + 1);
    if (this.due(index, time)) this.backoff.delete(index);
    this.left[index]! -= 1;
    this.counts[index]! += 1;
    return this.counts[index]!;
  }

  /** The delivery failed: it comes back at `time`, on top of the copies still planned. */
  nak(index: number, time: number): void {
    this.left[index]! += 1;
    this.backoff.set(index, time);
  }

  nextBackoff(): number | undefined {
    return this.backoff.size === 0 ? undefined : Math.min(...this.backoff.values());
  }

  done(): boolean {
    const allFirst = [...this.queues].every(([consumer, queue]) => this.introduced.get(consumer) === queue.length);
    return allFirst && this.left.every((left) => left <= 0) && this.backoff.size === 0;
  }

  describe(): string {
    const waiting = [...this.queues].map(([consumer, queue]) => `${consumer} at ${this.introduced.get(consumer)}/${queue.length}`);
    return `${waiting.join(', ')}; nak'd: [${[...this.backoff.keys()].join(', ')}]`;
  }

  private due(index: number, time: number): boolean {
    return (this.backoff.get(index) ?? Infinity) <= time;
  }
}

/** A list compared regardless of order: events of different streams or consumers interleave freely. */
export function sortedJson(items: unknown[]): string[] {
  return items.map((item) => JSON.stringify(item)).sort();
}
