import { Logger } from '@nestjs/common';
import type { NatsConnection } from 'nats';
import type { CheckpointStore, EventStore } from '@countersign/event-store';
import { EnvelopeSigner, identityFileOf, loadRegistry, type IdentityFile, type Registry, type TrustStore } from '@countersign/identity';
import type { ServiceConfig } from './config';
import { DecisionRunner, type DecisionLog } from './decision-runner';
import { openStore } from './open-store';
import { instrumentStore, ServiceMetrics } from './operations';
import { connectOwnNats, loadEnrolledKey } from './own-identity';

/** Everything a service shell needs, opened once at start-up and closed once at shutdown. */
export interface ServiceRuntime {
  config: ServiceConfig;
  identityFile: IdentityFile;
  signer: EnvelopeSigner;
  /** The trust store in force now: re-read from trust.json while the service runs (key rotation). */
  readonly trust: TrustStore;
  registry: Registry;
  store: EventStore;
  checkpoints: CheckpointStore;
  nc: NatsConnection;
  runner: DecisionRunner;
  clock: () => Date;
  logger: Logger;
  /** This process's Prometheus metrics; the store above already records its append latency here. */
  metrics: ServiceMetrics;
}

export interface RuntimeOptions {
  /** Where the decision runner writes its one line per decided event (the structured log). */
  decisionLog?: DecisionLog;
}

export async function openRuntime(config: ServiceConfig, options: RuntimeOptions = {}): Promise<ServiceRuntime> {
  const logger = new Logger(config.service);
  const { own, trust } = loadEnrolledKey(config, config.identity, logger);
  trust.start(config.trustReloadMs);
  const identityFile = identityFileOf(own.file);
  const signer = new EnvelopeSigner(config.identity, identityFile.signing);
  const metrics = new ServiceMetrics(config.service);
  // Through the service's logger (structured), naming stream, id and position but never the data.
  const opened = await openStore(config, (event) =>
    logger.warn(`event store: skipped unreadable event ${event.id} in ${event.stream} at ${event.position}: ${event.reason}`),
  );
  const store = instrumentStore(opened.store, metrics);
  const { checkpoints } = opened;
  const nc = await connectOwnNats(config, own, config.identity, logger);
  return {
    config,
    identityFile,
    signer,
    // A getter, not a copy: every verification reads the store in force at that moment.
    get trust() {
      return trust.current;
    },
    registry: loadRegistry(config.home),
    store,
    checkpoints,
    nc,
    runner: new DecisionRunner(store, signer, options.decisionLog, (message) => logger.warn(message)),
    clock: () => new Date(),
    logger,
    metrics,
  };
}
