export * from './port';
export { SqliteEventStore, SqliteCheckpointStore, type SqliteEventStoreOptions } from './sqlite-event-store';
export {
  KurrentDbEventStore,
  KurrentDbCheckpointStore,
  type KurrentClient,
  type KurrentDbEventStoreOptions,
} from './kurrentdb-event-store';
