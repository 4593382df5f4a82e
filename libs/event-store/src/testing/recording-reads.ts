import type { EventStore, ReadOptions } from '../port';

/**
 * The store itself (every other method as it is, through the prototype), with each `readStream`
 * and `readAllHeaders` recorded: tests of folds, snapshots and start-up scans check where a read
 * began (a stream's revision, a store position).
 */
export function recordingReads<S extends EventStore>(
  store: S,
): { store: S; readsFrom: (stream: string) => number[]; headersFrom: () => number[] } {
  const reads: Array<[string, number]> = [];
  const headers: number[] = [];
  const watched = Object.create(store) as S;
  watched.readStream = (stream: string, options?: ReadOptions) => {
    reads.push([stream, options?.fromRevision ?? 0]);
    return store.readStream(stream, options);
  };
  const readAllHeaders = store.readAllHeaders?.bind(store);
  if (readAllHeaders)
    watched.readAllHeaders = (fromPosition: number, maxCount: number) => {
      headers.push(fromPosition);
      return readAllHeaders(fromPosition, maxCount);
    };
  return {
    store: watched,
    readsFrom: (stream) => reads.filter(([name]) => name === stream).map(([, from]) => from),
    headersFrom: () => headers,
  };
}
