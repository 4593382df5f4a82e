import { WHOLE_STREAM_ORDER_KEYS, type ServiceName } from '@countersign/contracts';
import type { NatsConnection } from 'nats';

/**
 * The whole-stream order keys `service` publishes on a stream with one replica, which its relay may
 * pipeline (`OutboxRelayOptions.streamOrderedKeys`). A stream whose replicas cannot be read counts
 * as replicated: its key then waits for each PubAck, which is always safe.
 */
export async function singleReplicaOrderKeys(nc: NatsConnection, service: ServiceName): Promise<Set<string>> {
  const keys = new Set<string>();
  const owned = Object.entries(WHOLE_STREAM_ORDER_KEYS).filter(([, spec]) => spec.publisher === service);
  if (owned.length === 0) return keys;
  const jsm = await nc.jetstreamManager({ checkAPI: false });
  for (const [key, spec] of owned) {
    try {
      const info = await jsm.streams.info(spec.stream);
      if (info.config.num_replicas === 1) keys.add(key);
    } catch {
      // Unknown replicas: leave the key serial.
    }
  }
  return keys;
}
