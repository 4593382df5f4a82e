import type { INestApplication } from '@nestjs/common';
import type { ConsumerSpec } from '@countersign/contracts';
import type { ServiceRuntime } from '../runtime';
import { collectConsumers, collectRelayLag, type AuditGateWatch } from './bus-metrics';
import { auditGateCheck, consumersCheck, keysCheck, natsCheck, storeCheck } from './readiness';
import { startOperationsServer } from './server';
import { StoreMetricsProjection } from './store-metrics';

/** The services for which audit is a gate (they wait for its receipt before they act). */
export const AUDIT_GATED: readonly string[] = ['broker', 'executor'];

export interface ServiceOperations {
  /** Marks the process as consuming: readiness waits for it. */
  started(): void;
  close(): Promise<void>;
}

/**
 * Health, readiness and metrics for a process started by bootstrapService/bootstrapChannel: ready
 * only when NATS answers, its durable consumers exist and it consumes them, its store reads, its
 * signing key stands in the trust store, and (broker, executor) audit is not overdue with a receipt.
 */
export async function startServiceOperations(
  runtime: ServiceRuntime,
  consumers: readonly ConsumerSpec[],
  relay: { readonly position: number; readonly published: number },
  gate?: AuditGateWatch,
): Promise<ServiceOperations> {
  const { config, metrics, nc, store, clock } = runtime;
  let consuming = false;
  const snapshots = store.snapshots?.();
  const projection = new StoreMetricsProjection(
    store,
    config.identity,
    metrics,
    clock,
    (error) => runtime.logger.warn(`metrics projection stopped: ${String(error)}`),
    snapshots && { snapshots, signer: runtime.signer, log: runtime.logger },
  );
  projection.start();
  collectConsumers(metrics, nc, consumers);
  collectRelayLag(metrics, store, config.identity, relay, clock);
  if (gate) metrics.onScrape(() => metrics.auditGateWaiting.set(gate.oldestWaitSeconds()));
  const app: INestApplication = await startOperationsServer({
    service: config.service,
    port: config.healthPort,
    host: config.healthHost,
    metrics,
    alive: () => !nc.isClosed(),
    readiness: [
      natsCheck(nc),
      consumersCheck(nc, consumers, () => consuming),
      storeCheck(store),
      keysCheck(config.identity, runtime.identityFile.signing.keyId, () => runtime.trust, clock),
      ...(gate ? [auditGateCheck(() => gate.oldestWaitSeconds(), config.auditGateMaxWaitMs)] : []),
    ],
  });
  return {
    started: () => {
      consuming = true;
    },
    close: async () => {
      await app.close();
      await projection.stop();
    },
  };
}
