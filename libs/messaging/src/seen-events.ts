import { deterministicId } from '@countersign/contracts';
import { WrongExpectedRevisionError, type EventStore } from '@countersign/event-store';

/** Where a message sits on the bus: the same message keeps its position across redeliveries. */
export interface MessagePosition {
  stream: string;
  streamSequence: number;
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

/**
 * SeenEvents over the service's own event store, in exactly one append per message and no read:
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
