import { EventTypes, type ConsumerSpec } from '@countersign/contracts';
import type { EventStore } from '@countersign/event-store';
import { isOwnEnvelope, type HandledMessage } from '@countersign/messaging';
import type { NatsConnection } from 'nats';
import type { ServiceMetrics } from './metrics';
import { shortType } from './store-metrics';

const TRACKED_LIMIT = 10_000;

/**
 * Audit is a gate for the broker and the executor: nothing is issued or run for an approval until
 * audit's receipt for it arrives. So "audit unreachable" is seen where it matters, from here: an
 * approval handled here whose receipt has not come within the allowed wait. (Services talk only
 * through the bus; there is no audit endpoint to ping, and a quiet audit with nothing to receipt
 * is not a problem.) Kept in memory: after a restart it starts empty, which errs towards ready.
 */
export class AuditGateWatch {
  private readonly waiting = new Map<string, number>();
  private readonly receipted = new Set<string>();

  constructor(private readonly clock: () => Date) {}

  observe(handled: HandledMessage): void {
    if (handled.outcome !== 'handled') return;
    const { type, id, data } = handled.envelope;
    if (type === EventTypes.RequestApproved && !this.receipted.has(id)) remember(this.waiting, id, this.clock().getTime());
    if (type === EventTypes.AuditReceipt) {
      const approved = (data as { approvedEventId?: unknown }).approvedEventId;
      if (typeof approved !== 'string') return;
      this.waiting.delete(approved);
      remember(this.receipted, approved);
    }
  }

  /** Seconds the oldest approval has waited for its receipt; 0 when none waits. */
  oldestWaitSeconds(): number {
    const first = this.waiting.values().next();
    return first.done ? 0 : Math.max(0, (this.clock().getTime() - first.value) / 1_000);
  }
}

/** Insertion-ordered and bounded: the oldest entry goes first. */
function remember<K>(into: Map<K, number> | Set<K>, key: K, value = 0): void {
  if (into instanceof Map) into.set(key, value);
  else into.add(key);
  if (into.size > TRACKED_LIMIT) into.delete(into.keys().next().value as K);
}

/** Counts and times every message the transport dispatched. */
export function observeDispatch(metrics: ServiceMetrics, gate?: AuditGateWatch): (handled: HandledMessage) => void {
  return (handled) => {
    const type = shortType(handled.envelope.type);
    metrics.messagesHandled.inc({ consumer: handled.consumer, type, outcome: handled.outcome });
    if (handled.outcome === 'handled') metrics.decisionSeconds.observe({ type }, handled.seconds);
    gate?.observe(handled);
  };
}

/** Scrape time: JetStream's own numbers for each durable consumer this process pulls from. */
export function collectConsumers(
  metrics: ServiceMetrics,
  nc: NatsConnection,
  consumers: ReadonlyArray<Pick<ConsumerSpec, 'stream' | 'durable'>>,
): void {
  metrics.onScrape(async () => {
    const js = nc.jetstream();
    await Promise.all(
      consumers.map(async (spec) => {
        const info = await (await js.consumers.get(spec.stream, spec.durable)).info();
        const labels = { consumer: spec.durable };
        metrics.consumerPending.set(labels, info.num_pending);
        metrics.consumerAckPending.set(labels, info.num_ack_pending);
        metrics.consumerRedelivered.set(labels, info.num_redelivered);
      }),
    );
  });
}

const LAG_PAGE = 1_000;
const LAG_LIMIT = 10_000;

/** Scrape time: own events after the relay's position, i.e. stored and not yet on the bus. */
export function collectRelayLag(
  metrics: ServiceMetrics,
  store: EventStore,
  identity: string,
  relay: { readonly position: number; readonly published: number },
  clock: () => Date,
): void {
  let published = 0;
  metrics.onScrape(async () => {
    metrics.relayPublished.inc(relay.published - published);
    published = relay.published;
    let count = 0;
    let oldest: string | undefined;
    for (let from = relay.position; count < LAG_LIMIT;) {
      const page = await store.readAll(from, LAG_PAGE);
      for (const event of page) {
        if (!isOwnEnvelope(event.data, identity)) continue;
        count += 1;
        oldest ??= event.recordedAt;
      }
      if (page.length < LAG_PAGE) break;
      from = page[page.length - 1]!.position;
    }
    metrics.relayLagEvents.set(count);
    metrics.relayLagSeconds.set(oldest ? Math.max(0, (clock().getTime() - Date.parse(oldest)) / 1_000) : 0);
  });
}
