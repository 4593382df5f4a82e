import { errorMessage } from '@countersign/contracts';
import type { StateCodec } from '@countersign/decider';
import type { EventStore, SnapshotStore } from '@countersign/event-store';

/** A stream folded up to `revision`; `eventId` is the id of the stream's event there (none for an empty stream). */
export interface FoldedStream<S> {
  revision: number;
  eventId?: string;
  state: S;
}

/**
 * The decision runner's snapshots of long streams, for the deciders it was told to keep them for
 * (`DecisionRunner.keepSnapshots`): restored when the process first folds such a stream, saved
 * every `codec.every` events after. A snapshot is used only when the stream still holds, at its
 * revision, the event it was taken after, and the codec accepts it; otherwise the stream is folded
 * from its start, as without snapshots, and a warning says why.
 */
export class StreamSnapshots {
  private readonly codecs = new WeakMap<object, StateCodec<unknown>>();
  /** The revision of the last snapshot restored or saved, per stream. */
  private readonly taken = new Map<string, number>();

  constructor(
    private readonly store: EventStore,
    private readonly snapshots: SnapshotStore | undefined,
    private readonly warn: (message: string) => void,
  ) {}

  keep<S>(folder: object, codec: StateCodec<S>): void {
    this.codecs.set(folder, codec);
  }

  async restore<S>(folder: object, stream: string): Promise<FoldedStream<S> | undefined> {
    const codec = this.codecs.get(folder) as StateCodec<S> | undefined;
    const snapshot = codec && (await this.snapshots?.load(stream));
    if (!codec || !snapshot) return undefined;
    const refuse = (why: string): undefined => {
      this.warn(`snapshot of ${stream} at revision ${snapshot.revision} not used (${why}); folding the stream from its start`);
      return undefined;
    };
    if (snapshot.version !== codec.version) return refuse(`version ${snapshot.version}, not ${codec.version}`);
    const [there] = await this.store.readStream(stream, { fromRevision: snapshot.revision, maxCount: 1 });
    if (there?.revision !== snapshot.revision || there.id !== snapshot.eventId) return refuse('the stream does not hold its event there');
    const state = decodeState(codec, snapshot.state);
    if (state === undefined) return refuse('its state does not decode');
    this.taken.set(stream, snapshot.revision);
    return { revision: snapshot.revision, eventId: snapshot.eventId, state };
  }

  /** Saves one when `every` events were folded since the last; a failed save is said, and the next is tried later. */
  saveIfDue<S>(folder: object, stream: string, folded: FoldedStream<S>): void {
    const codec = this.codecs.get(folder) as StateCodec<S> | undefined;
    if (!codec || !this.snapshots || folded.eventId === undefined) return;
    if (folded.revision - (this.taken.get(stream) ?? -1) < codec.every) return;
    this.taken.set(stream, folded.revision);
    const { revision, eventId } = folded;
    const state = JSON.stringify(codec.encode(folded.state));
    void this.snapshots
      .save({ stream, revision, eventId, version: codec.version, state })
      .catch((error: unknown) => this.warn(`snapshot of ${stream} at revision ${revision} not saved: ${errorMessage(error)}`));
  }
}

function decodeState<S>(codec: StateCodec<S>, text: string): S | undefined {
  try {
    return codec.decode(JSON.parse(text) as unknown);
  } catch {
    return undefined;
  }
}
