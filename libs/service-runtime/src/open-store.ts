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

/**
 * How late the service's store subscriptions (relay, schedule indexes) may notice an append made to
 * its SQLite file by another process. The service is its file's only writer (each service writes only
 * its own store) and its own appends wake them at commit, so this is a safety net for a second process
 * on the file, not a path any event takes; once a second keeps an idle service from waking for it.
 */
export const FOREIGN_APPEND_POLL_MS = 1_000;

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
  const store = SqliteEventStore.open(config.store.file, { pollIntervalMs: FOREIGN_APPEND_POLL_MS, ...reporting });
  return Promise.resolve({ store, checkpoints: store.checkpoints() });
}
