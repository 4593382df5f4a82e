import { z } from 'zod';
import { errorMessage, parseJson } from '@countersign/contracts';
import type { EventStore, SnapshotStore } from '@countersign/event-store';
import type { EnvelopeSigner } from '@countersign/identity';
import { signedSnapshot, snapshotRefusal } from './stream-snapshots';

/**
 * What a schedule holds besides its due keys (e.g. audit's custody index: the evidence of open
 * requests), so that its index can be written down and a start can go on from there instead of
 * replaying the store from its beginning.
 */
export interface ScheduleStateCodec {
  /** The snapshot's key in the store's snapshot table; starting with `$`, so it names no stream. */
  readonly name: string;
  /** The encoding's version: a snapshot written under another one is not used. */
  readonly version: number;
  /** Indexed events between two saves (one is saved at every stop too). */
  readonly every: number;
  /** The schedule's own state as JSON-able data. */
  capture(): unknown;
  /** Takes `json` as its state only if it is one `capture` could have written, else leaves its state as it was and says false. */
  restore(json: unknown): boolean;
}

/** The last event a schedule index folded: its store position and id. */
export interface IndexedEvent {
  position: number;
  id: string;
}

/** Due keys as saved: a key and its time (epoch milliseconds). */
const EncodedScheduleState = z.strictObject({
  due: z.array(z.tuple([z.string().min(1).max(512), z.number().finite()])),
  state: z.unknown(),
});

/**
 * A schedule index written down (`DueWork`): its due keys and the schedule's own state after the
 * store event at `position`, in the store's snapshot table under the codec's name (the row's
 * `revision` holds the position). Used at a start only when
 * - this service signed it with its current key (whoever can write the store file but cannot read
 *   the key cannot slip in an index that forgets a pending deadline or a custody check);
 * - the store still holds, at that position, the very event it was taken after (a store rebuilt or
 *   cut short is replayed from its start);
 * - its version is the codec's, and the due keys and the schedule's state decode.
 * Otherwise, and whenever the snapshot store fails, the index is replayed from the store's start
 * and a warning says why. An older genuine snapshot is correct too: replaying on from it gives what
 * the running service had at that point and then did.
 */
export class ScheduleSnapshots {
  /** Position of the last snapshot restored or saved, and events indexed since. */
  private saved = -1;
  private sinceSave = 0;

  constructor(
    private readonly store: EventStore,
    private readonly snapshots: SnapshotStore,
    private readonly signer: EnvelopeSigner,
    private readonly codec: ScheduleStateCodec,
    private readonly warn: (message: string) => void,
  ) {}

  /** The index's position and due keys, with the schedule's state restored; undefined to replay from the start. */
  async restore(): Promise<{ from: IndexedEvent; due: Array<[string, number]> } | undefined> {
    const { name, version } = this.codec;
    try {
      const snapshot = await this.snapshots.load(name);
      if (!snapshot) return undefined;
      const { revision: position, eventId: id } = snapshot;
      const refuse = (why: string): undefined => {
        this.warn(`snapshot ${name} at position ${position} not used (${why}); replaying the store from its start`);
        return undefined;
      };
      const refusal = snapshotRefusal(this.signer, snapshot, name, version);
      if (refusal) return refuse(refusal);
      const [there] = await this.store.readAll(position - 1, 1);
      if (there?.position !== position || there.id !== id) return refuse('the store does not hold its event there');
      const json = parseJson(snapshot.state);
      const decoded = json.ok ? EncodedScheduleState.safeParse(json.value) : undefined;
      if (!decoded?.success || !this.codec.restore(decoded.data.state)) return refuse('its state does not decode');
      this.saved = position;
      return { from: { position, id }, due: decoded.data.due };
    } catch (error) {
      this.warn(`snapshot ${name} not read (${errorMessage(error)}); replaying the store from its start`);
      return undefined;
    }
  }

  /** Counts one more event indexed, and saves the index when `every` were since the last save. */
  indexedOne(indexed: IndexedEvent, due: ReadonlyMap<string, number>): void {
    if (++this.sinceSave >= this.codec.every) this.save(indexed, due);
  }

  /** Saves the index as it is after `indexed` (at a stop: a restart then replays nothing); a failure is said, and the index goes on. */
  save(indexed: IndexedEvent | undefined, due: ReadonlyMap<string, number>): void {
    if (!indexed || indexed.position === this.saved) return;
    const { name, version } = this.codec;
    this.saved = indexed.position;
    this.sinceSave = 0;
    const failed = (error: unknown) => this.warn(`snapshot ${name} at position ${indexed.position} not saved: ${errorMessage(error)}`);
    try {
      const state = JSON.stringify({ due: [...due], state: this.codec.capture() });
      const unsigned = { stream: name, revision: indexed.position, eventId: indexed.id, version, state };
      void this.snapshots.save(signedSnapshot(this.signer, unsigned)).catch(failed);
    } catch (error) {
      failed(error);
    }
  }
}
