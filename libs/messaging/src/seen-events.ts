import { deterministicId } from '@countersign/contracts';
import { SqliteEventStore, WrongExpectedRevisionError, type EventStore, type SqliteSeenMarkers } from '@countersign/event-store';

/** Where a message sits on the bus: the same message keeps its position across redeliveries. */
export interface MessagePosition {
  stream: string;
  streamSequence: number;
  /** The durable consumer that was handed it (markers are pruned per consumer). */
  consumer?: string;
  /** When the bus stored it (JetStream's timestamp, ms): the same on every redelivery. */
  arrivedAtMs?: number;
}

/**
 * - `first`: this event id was never seen before; it is now remembered at this position.
 * - `redelivery`: seen before at this very position: JetStream handing the same message out again
 *   (a nak, an ack_wait expiry, a crash before the ack). Not an attack; process it as usual.
 * - `replay`: seen before at another position: the same signed event was published again.
 */
export type Sighting = 'first' | 'redelivery' | 'replay';

/**
 * Durable memory of external event ids. JetStream deduplicates only inside its duplicate window;
 * a captured submission or vote republished later is a new message with an old id, and only a
 * record that survives restarts can tell.
 */
export interface SeenEvents {
  /** Atomically looks the id up and, if new, remembers it at `at` (one step, so two consumers cannot both win). */
  remember(eventId: string, at: MessagePosition): Promise<Sighting>;
}

/** Local type: not a contract type, so the relay never publishes it and no decider folds it. */
export const EVENT_SEEN_TYPE = 'countersign.local.event-seen';

export const seenStream = (eventId: string) => `seen-${eventId}`;

/** How long (in bus time) a marker is kept; see SqliteSeenEvents. */
export const SEEN_RETENTION_MS = 60 * 60_000;
/** Pruning runs at most once per this much bus time per consumer. */
const PRUNE_EVERY_MS = 60_000;

/**
 * The replay guard for a service's SQLite store: one row in table `seen_events` per event id,
 * written in the same group commit as the decision it guards (no event append, no JSON).
 *
 * Pruned by bus time, per consumer: once a consumer has been handed a message that arrived
 * `retentionMs` after a marker's copy, the marker goes. Why that is safe:
 * - An external ingress event (submission, vote) passes only if its signed time lies within the
 *   freshness bound (5 minutes) of its arrival, so every copy of it that can still be accepted
 *   arrived within 10 minutes of the first. A replay copy must come on the same subject, so to the
 *   same consumer, which hands messages out in stream order except for redeliveries (nak backoff of
 *   seconds, ack_wait of 30 s, at most 50 crash deliveries): with an hour's retention the marker is
 *   still there when the copy comes, and a copy that arrives later is refused as stale anyway.
 * - A service event has no freshness bound (its relay may publish it late). A copy of it republished
 *   more than an hour after the first is no longer reported as `replayed_event`; it is absorbed by
 *   the handlers' idempotency (decision ids derive from the inbound id), as every repeat is.
 * So the table holds about an hour of traffic, whatever the history.
 */
export class SqliteSeenEvents implements SeenEvents {
  private readonly prunedAt = new Map<string, number>();

  constructor(
    private readonly markers: SqliteSeenMarkers,
    private readonly retentionMs = SEEN_RETENTION_MS,
  ) {}

  async remember(eventId: string, at: MessagePosition): Promise<Sighting> {
    const consumer = at.consumer ?? '';
    const arrivedAtMs = at.arrivedAtMs ?? Date.now();
    await this.pruneFor(consumer, arrivedAtMs);
    const earlier = await this.markers.remember({ eventId, consumer, stream: at.stream, streamSequence: at.streamSequence, arrivedAtMs });
    if (!earlier) return 'first';
    return earlier.stream === at.stream && earlier.streamSequence === at.streamSequence ? 'redelivery' : 'replay';
  }

  private async pruneFor(consumer: string, arrivedAtMs: number): Promise<void> {
    const last = this.prunedAt.get(consumer);
    if (last !== undefined && arrivedAtMs - last < PRUNE_EVERY_MS) return;
    this.prunedAt.set(consumer, arrivedAtMs);
    await this.markers.prune(consumer, arrivedAtMs - this.retentionMs);
  }
}

/** The cheapest guard the store offers: the marker table on SQLite, marker streams elsewhere (KurrentDB). */
export function seenEventsFor(store: EventStore): SeenEvents {
  return store instanceof SqliteEventStore ? new SqliteSeenEvents(store.seenMarkers()) : new StoreSeenEvents(store);
}

/**
 * SeenEvents over any event store (KurrentDB's; not pruned there), in exactly one append per message and no read:
 * the marker goes to stream `seen-<eventId>` with expected revision `no_stream`, and its id is
 * derived from the event id AND the bus position. So
 * - a first sighting creates the stream;
 * - a redelivery re-appends the same marker id at the same place, which the store answers as an
 *   idempotent success;
 * - a replay brings a different marker id to a stream that already exists: a conflict.
 * The store's own atomicity decides, on SQLite and KurrentDB alike, even across restarts or two
 * instances of a service.
 */
export class StoreSeenEvents implements SeenEvents {
  constructor(private readonly store: Pick<EventStore, 'append'>) {}

  async remember(eventId: string, at: MessagePosition): Promise<Sighting> {
    const marker = {
      id: deterministicId(eventId, `seen:${at.stream}:${at.streamSequence}`),
      type: EVENT_SEEN_TYPE,
      data: { eventId, stream: at.stream, streamSequence: at.streamSequence },
    };
    try {
      const result = await this.store.append(seenStream(eventId), [marker], 'no_stream');
      return result.idempotent ? 'redelivery' : 'first';
    } catch (error) {
      if (error instanceof WrongExpectedRevisionError) return 'replay';
      throw error;
    }
  }
}
