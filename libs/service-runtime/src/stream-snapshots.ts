import { canonicalJson, errorMessage, parseJson } from '@countersign/contracts';
import type { StateCodec } from '@countersign/decider';
import type { EventStore, SnapshotStore, StreamSnapshot } from '@countersign/event-store';
import type { EnvelopeSigner } from '@countersign/identity';
import { setMostRecent } from './recent-map';

/** A stream folded up to `revision`; `eventId` is the id of the stream's event there (none for an empty stream). */
export interface FoldedStream<S> {
  revision: number;
  eventId?: string;
  state: S;
}

/** What the signature covers: every field of the snapshot but the signature. */
const signedPart = ({ stream, revision, eventId, version, state }: Omit<StreamSnapshot, 'signature'>): string =>
  canonicalJson({ stream, revision, eventId, version, state });

/** The snapshot as this service saves it: signed with its own key. */
export const signedSnapshot = (signer: EnvelopeSigner, unsigned: Omit<StreamSnapshot, 'signature'>): StreamSnapshot => ({
  ...unsigned,
  signature: signer.signForSelf(signedPart(unsigned)),
});

/**
 * Why a snapshot may not be used, judged on what it says of itself (its name, this service's
 * signature, the codec's version); undefined when it may. Where it is bound to (a stream's event, a
 * store position's) each reader checks after this.
 */
export function snapshotRefusal(signer: EnvelopeSigner, snapshot: StreamSnapshot, name: string, version: number): string | undefined {
  if (snapshot.stream !== name) return `it is of ${snapshot.stream}`;
  if (!signer.signedBySelf(signedPart(snapshot), snapshot.signature)) return 'not signed with this service’s current key';
  if (snapshot.version !== version) return `version ${snapshot.version}, not ${version}`;
  return undefined;
}

/** Signs and saves a snapshot without waiting for it (only a shortcut: a failure is handed to `failed`, and nothing else changes). */
export function saveSigned(
  snapshots: SnapshotStore,
  signer: EnvelopeSigner,
  unsigned: () => Omit<StreamSnapshot, 'signature'>,
  failed: (error: unknown) => void,
): void {
  try {
    void snapshots.save(signedSnapshot(signer, unsigned())).catch(failed);
  } catch (error) {
    failed(error);
  }
}

const TAKEN_KEPT = 4_096;

/**
 * The decision runner's snapshots of long streams, for the deciders it was told to keep them for
 * (`DecisionRunner.keepSnapshots`; one decider per stream): restored when the process first folds
 * such a stream, saved every `codec.every` events after. A snapshot is used only when
 * - this service signed it with its current key (whoever can write the store file without the key
 *   cannot slip in a state, e.g. recent ids that would make audit skip an event);
 * - the stream holds, at its revision, the very event it was taken after;
 * - its version is the codec's, and the codec decodes it.
 * Otherwise, and whenever the snapshot store fails, the stream is folded from its start as without
 * snapshots, and a warning says why: a snapshot only ever saves time.
 */
export class StreamSnapshots {
  private readonly codecs = new WeakMap<object, StateCodec<unknown>>();
  /**
   * The revision of the last snapshot restored or saved, per stream, for the last TAKEN_KEPT
   * streams (one per requester's ledger, and a run's own: unbounded over time). Forgetting one
   * costs at most an early save: its next fold restores its snapshot, or its next append writes
   * one down again.
   */
  private readonly taken = new Map<string, number>();

  constructor(
    private readonly store: EventStore,
    private readonly snapshots: SnapshotStore | undefined,
    private readonly signer: EnvelopeSigner,
    private readonly warn: (message: string) => void,
  ) {}

  keep<S>(folder: object, codec: StateCodec<S>): void {
    this.codecs.set(folder, codec);
  }

  async restore<S>(folder: object, stream: string): Promise<FoldedStream<S> | undefined> {
    const codec = this.codecs.get(folder) as StateCodec<S> | undefined;
    if (!codec || !this.snapshots) return undefined;
    try {
      const snapshot = await this.snapshots.load(stream);
      return snapshot && (await this.verified(codec, snapshot));
    } catch (error) {
      this.warn(`snapshot of ${stream} not read (${errorMessage(error)}); folding the stream from its start`);
      return undefined;
    }
  }

  /** Saves one when `every` events were folded since the last; a failure is said, and the next one is tried `every` events on. */
  saveIfDue<S>(folder: object, stream: string, folded: FoldedStream<S>): void {
    const codec = this.codecs.get(folder) as StateCodec<S> | undefined;
    if (!codec || !this.snapshots || folded.eventId === undefined) return;
    if (folded.revision - (this.taken.get(stream) ?? -1) < codec.every) return;
    setMostRecent(this.taken, stream, folded.revision, TAKEN_KEPT);
    const { revision, eventId } = folded;
    const failed = (error: unknown) => this.warn(`snapshot of ${stream} at revision ${revision} not saved: ${errorMessage(error)}`);
    const state = () => JSON.stringify(codec.encode(folded.state));
    saveSigned(this.snapshots, this.signer, () => ({ stream, revision, eventId, version: codec.version, state: state() }), failed);
  }

  private async verified<S>(codec: StateCodec<S>, snapshot: StreamSnapshot): Promise<FoldedStream<S> | undefined> {
    const { stream, revision, eventId } = snapshot;
    const refuse = (why: string): undefined => {
      this.warn(`snapshot of ${stream} at revision ${revision} not used (${why}); folding the stream from its start`);
      return undefined;
    };
    const refusal = snapshotRefusal(this.signer, snapshot, stream, codec.version);
    if (refusal) return refuse(refusal);
    const [there] = await this.store.readStream(stream, { fromRevision: revision, maxCount: 1 });
    if (there?.revision !== revision || there.id !== eventId) return refuse('the stream does not hold its event there');
    const json = parseJson(snapshot.state);
    const state = json.ok ? codec.decode(json.value) : undefined;
    if (state === undefined) return refuse('its state does not decode');
    setMostRecent(this.taken, stream, revision, TAKEN_KEPT);
    return { revision, eventId, state };
  }
}
