import type { EventStore, ReadOptions } from '../port';

/** Where each kind of read began, as `recordingReads` saw them. */
export interface RecordedReads<S extends EventStore> {
  store: S;
  /** Revisions each `readStream` of `stream` began at. */
  readsFrom: (stream: string) => number[];
  /** Store positions each `readAllHeaders` began after. */
  headersFrom: () => number[];
  /** Store positions each `subscribeToAll` began after. */
  subscriptionsFrom: () => number[];
  /** Store positions each `readAllOfTypes` began after. */
  typedReadsFrom: () => number[];
}

/**
 * The store itself (every other method as it is, through the prototype), with each `readStream`,
 * `readAllHeaders`, `subscribeToAll` and `readAllOfTypes` recorded: tests of folds, snapshots and
 * start-up scans check where a read began (a stream's revision, a store position).
 */
export function recordingReads<S extends EventStore>(store: S): RecordedReads<S> {
  const reads: Array<[string, number]> = [];
  const [headers, subscriptions, typed]: [number[], number[], number[]] = [[], [], []];
  const watched = Object.create(store) as S;
  watched.readStream = (stream: string, options?: ReadOptions) => {
    reads.push([stream, options?.fromRevision ?? 0]);
    return store.readStream(stream, options);
  };
  watched.subscribeToAll = (fromPosition, ...rest) => {
    subscriptions.push(fromPosition);
    return store.subscribeToAll(fromPosition, ...rest);
  };
  const readAllHeaders = store.readAllHeaders?.bind(store);
  if (readAllHeaders)
    watched.readAllHeaders = (fromPosition: number, maxCount: number) => {
      headers.push(fromPosition);
      return readAllHeaders(fromPosition, maxCount);
    };
  const readAllOfTypes = store.readAllOfTypes?.bind(store);
  if (readAllOfTypes)
    watched.readAllOfTypes = (fromPosition, ...rest) => {
      typed.push(fromPosition);
      return readAllOfTypes(fromPosition, ...rest);
    };
  return {
    store: watched,
    readsFrom: (stream) => reads.filter(([name]) => name === stream).map(([, from]) => from),
    headersFrom: () => headers,
    subscriptionsFrom: () => subscriptions,
    typedReadsFrom: () => typed,
  };
}
