export * from './port';
export { SqliteEventStore, type SqliteEventStoreOptions } from './sqlite-event-store';
export { SqliteCheckpointStore } from './sqlite-checkpoints';
export {
  KurrentDbEventStore,
  KurrentDbCheckpointStore,
  type KurrentClient,
  type KurrentDbEventStoreOptions,
} from './kurrentdb-event-store';
export * from './kurrentdb-acl';
export * from './kurrentdb-acl-apply';
export { connectionStringAs } from './kurrentdb-admin-http';
export type { EventRow } from './sqlite-schema';
export { SqliteSeenMarkers, type SeenMarker, type EarlierSighting } from './sqlite-seen-markers';
