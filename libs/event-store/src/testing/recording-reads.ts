import type { EventStore, ReadOptions } from '../port';

/**
 * The store itself (every other method as it is, through the prototype), with each `readStream`
 * recorded: tests of folds and snapshots check which revision a stream was read from.
 */
export function recordingReads<S extends EventStore>(store: S): { store: S; readsFrom: (stream: string) => number[] } {
  const reads: Array<[string, number]> = [];
  const watched = Object.create(store) as S;
  watched.readStream = (stream: string, options?: ReadOptions) => {
    reads.push([stream, options?.fromRevision ?? 0]);
    return store.readStream(stream, options);
  };
  return { store: watched, readsFrom: (stream) => reads.filter(([name]) => name === stream).map(([, from]) => from) };
}
