import { z } from 'zod';
import { errorMessage, parseJson } from '@countersign/contracts';
import type { EventStore, SnapshotStore } from '@countersign/event-store';
import type { EnvelopeSigner } from '@countersign/identity';
import { saveSigned, snapshotRefusal } from './stream-snapshots';

/**
 * What a store-wide index holds besides due keys (audit's custody index: the evidence of open
 * requests; the business metrics: pending approvals, live credentials, counts), so that it can be
 * written down and a start can go on from there instead of replaying the store from its beginning.
 */
export interface IndexStateCodec<State = unknown> {
  /** The snapshot's key in the store's snapshot table; starting with `$`, so it names no stream. */
  readonly name: string;
  /**
   * The version of the encoding and of the rules that build the index from events: a snapshot
   * written under another one is not used. (The event types read are checked on their own.)
   */
  readonly version: number;
  /** Indexed events between two saves (INDEX_SAVE_EVERY unless said; one is saved at every stop too). */
  readonly every?: number;
  /** The index's own state as JSON-able data. */
  capture(): unknown;
  /** The state `json` holds, or undefined when it is not one `capture` could have written. Changes nothing. */
  decode(json: unknown): State | undefined;
  /** Takes a decoded state as the index's own (only at a first start, before anything was indexed). */
  adopt(state: State): void;
}

/** Indexed events between two saves of an index (and at most one a minute), whichever it is. */
export const INDEX_SAVE_EVERY = 10_000;

/**
 * For a schedule whose whole state is its due keys (its `change` keeps nothing of its own): the
 * index written down under `name`, so a start replays only what came after it, not every event of
 * its types since the store began (approval's deadlines read each request's settling event; the
 * broker's revocations each credential's issue and revocation).
 */
export function dueKeysOnly(name: string, version = 1): IndexStateCodec<true> {
  return {
    name,
    version,
    capture: () => null,
    decode: (json) => (json === null ? true : undefined),
    adopt: () => undefined,
  };
}

/** The last event an index folded: its store position and id. */
export interface IndexedEvent {
  position: number;
  id: string;
}

/** A snapshot that may be used: where the index was, its due keys (none for an index without), and its decoded state. */
export interface RestoredIndex<State = unknown> {
  from: IndexedEvent;
  due: Array<[string, number]>;
  state: State;
}

/** As saved: the event types the index was built from (sorted), due keys with their times (epoch ms), and the index's own state. */
const EncodedIndexState = z.strictObject({
  reads: z.array(z.string()),
  due: z.array(z.tuple([z.string().min(1).max(512), z.number().finite()])),
  state: z.unknown(),
});

const NO_DUE_KEYS: ReadonlyMap<string, number> = new Map();

/**
 * At least this long between two saves counted by `every` (not the one at a stop): a first start
 * that replays a long history would otherwise write one every `every` events of it, each a few MB
 * encoded, signed and written on the event loop.
 */
export const MIN_SAVE_INTERVAL_MS = 60_000;

/**
 * An index over the whole store written down (a `DueWork` schedule's, with its due keys; the
 * business metrics', with none): its state after the store event at `position`, in the store's
 * snapshot table under the codec's name (the row's `revision` holds the position). Used at a start
 * only when
 * - this service signed it with its current key (whoever can write the store file but cannot read
 *   the key cannot slip in an index that forgets a pending deadline or a custody check);
 * - the store still holds, at that position, the very event it was taken after (a store rebuilt or
 *   cut short is replayed from its start);
 * - its version is the codec's, it was built from the event types the index reads now (a type
 *   added to a schedule would otherwise never be read for the events before the snapshot), and the
 *   due keys and the index's state decode.
 * Otherwise, and whenever the snapshot store fails, the index is replayed from the store's start
 * and a warning says why. An older genuine snapshot is correct too: replaying on from it gives what
 * the running service had at that point and then did.
 */
export class IndexSnapshots<State> {
  /** Position of the last snapshot restored or saved, events indexed since, and when it was saved. */
  private saved = -1;
  private sinceSave = 0;
  private savedAt = -Infinity;

  constructor(
    private readonly store: EventStore,
    private readonly snapshots: SnapshotStore,
    private readonly signer: EnvelopeSigner,
    private readonly codec: IndexStateCodec<State>,
    /** The event types the index reads (Schedule.types, the metrics' projected types). */
    private readonly reads: readonly string[],
    private readonly log: { log(message: string): void; warn(message: string): void },
    private readonly monotonicMs: () => number = () => performance.now(),
  ) {}

  /** The saved index if it may be used; undefined to replay from the start. Changes no state of the index's owner. */
  async restore(): Promise<RestoredIndex<State> | undefined> {
    const { name, version } = this.codec;
    try {
      const snapshot = await this.snapshots.load(name);
      if (!snapshot) return undefined;
      const { revision: position, eventId: id } = snapshot;
      const refuse = (why: string): undefined => {
        this.log.warn(`snapshot ${name} at position ${position} not used (${why}); replaying the store from its start`);
        return undefined;
      };
      const refusal = snapshotRefusal(this.signer, snapshot, name, version);
      if (refusal) return refuse(refusal);
      const [there] = await this.store.readAll(position - 1, 1);
      if (there?.position !== position || there.id !== id) return refuse('the store does not hold its event there');
      const json = parseJson(snapshot.state);
      const decoded = json.ok ? EncodedIndexState.safeParse(json.value) : undefined;
      if (!decoded?.success) return refuse('its state does not decode');
      // Before the index's own state, which can be large (custody: every open request's envelopes).
      if (decoded.data.reads.join() !== this.sortedReads().join()) return refuse('it was built from other event types');
      const state = this.codec.decode(decoded.data.state);
      if (state === undefined) return refuse('its state does not decode');
      this.saved = position;
      this.savedAt = this.monotonicMs();
      const keys = decoded.data.due.length ? ` (${decoded.data.due.length} due keys)` : '';
      this.log.log(`index ${name} restored at position ${position}${keys}`);
      return { from: { position, id }, due: decoded.data.due, state };
    } catch (error) {
      this.log.warn(`snapshot ${name} not read (${errorMessage(error)}); replaying the store from its start`);
      return undefined;
    }
  }

  /** Counts one more event indexed, and saves the index when `every` were since the last save and the interval has passed. */
  indexedOne(indexed: IndexedEvent, due: ReadonlyMap<string, number> = NO_DUE_KEYS): void {
    if (++this.sinceSave < (this.codec.every ?? INDEX_SAVE_EVERY) || this.monotonicMs() - this.savedAt < MIN_SAVE_INTERVAL_MS) return;
    this.save(indexed, due);
  }

  /** Saves the index as it is after `indexed` (at a stop: a restart then replays nothing); a failure is said, and the index goes on. */
  save(indexed: IndexedEvent | undefined, due: ReadonlyMap<string, number> = NO_DUE_KEYS): void {
    if (!indexed || indexed.position === this.saved) return;
    const { name, version } = this.codec;
    const { position, id } = indexed;
    const started = this.monotonicMs();
    [this.saved, this.sinceSave, this.savedAt] = [position, 0, started];
    let [bytes, failedNow] = [0, false];
    const state = () => {
      const text = JSON.stringify({ reads: this.sortedReads(), due: [...due], state: this.codec.capture() });
      bytes = text.length;
      return text;
    };
    saveSigned(
      this.snapshots,
      this.signer,
      () => ({ stream: name, revision: position, eventId: id, version, state: state() }),
      (error) => {
        // The next save, at the stop at the latest, tries again.
        if (this.saved === position) this.saved = -1;
        failedNow = true;
        this.log.warn(`snapshot ${name} at position ${position} not saved: ${errorMessage(error)}`);
      },
    );
    if (failedNow) return;
    const ms = (this.monotonicMs() - started).toFixed(1);
    this.log.log(`index ${name} written down at position ${position} (${bytes} characters, ${ms} ms)`);
  }

  private sortedReads(): string[] {
    return [...this.reads].sort();
  }
}
