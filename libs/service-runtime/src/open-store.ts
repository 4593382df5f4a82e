import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  KurrentDbEventStore,
  SqliteEventStore,
  serviceStreamPrefix,
  type CheckpointStore,
  type EventStore,
  type KurrentDbEventStoreOptions,
  type UnreadableEventReporter,
} from '@countersign/event-store';
import type { ServiceConfig } from './config';

/**
 * A service's KurrentDB store lives in its own category of a shared cluster: every stream name is
 * prefixed `<service>-` (three services keep a `request-<id>` stream; unprefixed they would
 * collide), which is also what the stream policy in deploy/kurrentdb/provision-acls.ts grants it.
 * The service user may not write stream metadata, so provisioning, not the adapter, caps the
 * checkpoint streams.
 */
export function kurrentDbStoreOptions(service: ServiceConfig['service']): KurrentDbEventStoreOptions {
  return { streamPrefix: serviceStreamPrefix(service), limitCheckpointStreams: false };
}

/** Opens the service's own store: its SQLite file locally, its own KurrentDB user in deployment. */
export async function openStore(
  config: ServiceConfig,
  onUnreadable?: UnreadableEventReporter,
): Promise<{ store: EventStore; checkpoints: CheckpointStore }> {
  const reporting = onUnreadable ? { onUnreadable } : {};
  if (config.store.kind === 'kurrentdb') {
    const store = KurrentDbEventStore.fromConnectionString(config.store.url, { ...kurrentDbStoreOptions(config.service), ...reporting });
    return { store, checkpoints: store.checkpoints() };
  }
  mkdirSync(dirname(config.store.file), { recursive: true, mode: 0o700 });
  const store = SqliteEventStore.open(config.store.file, reporting);
  return Promise.resolve({ store, checkpoints: store.checkpoints() });
}
