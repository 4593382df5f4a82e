import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { KurrentDbEventStore, SqliteEventStore, type CheckpointStore, type EventStore } from '@countersign/event-store';
import type { ServiceConfig } from './config';

/** Opens the service's own store: its SQLite file locally, its own KurrentDB user in deployment. */
export async function openStore(config: ServiceConfig): Promise<{ store: EventStore; checkpoints: CheckpointStore }> {
  if (config.store.kind === 'kurrentdb') {
    const store = KurrentDbEventStore.fromConnectionString(config.store.url);
    return { store, checkpoints: store.checkpoints() };
  }
  mkdirSync(dirname(config.store.file), { recursive: true, mode: 0o700 });
  const store = SqliteEventStore.open(config.store.file);
  return Promise.resolve({ store, checkpoints: store.checkpoints() });
}
