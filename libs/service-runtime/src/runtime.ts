import { Logger } from '@nestjs/common';
import type { NatsConnection } from 'nats';
import type { CheckpointStore, EventStore } from '@countersign/event-store';
import {
  assertEnrolled,
  EnvelopeSigner,
  HomeLayout,
  identityFileOf,
  loadOwnKey,
  loadRegistry,
  natsCredentialsOf,
  ReloadingTrustStore,
  type IdentityFile,
  type Registry,
  type TrustStore,
} from '@countersign/identity';
import { connectNats } from '@countersign/messaging';
import type { ServiceConfig } from './config';
import { DecisionRunner, type DecisionLog } from './decision-runner';
import { openStore } from './open-store';
import { instrumentStore, ServiceMetrics } from './operations';

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
  const own = loadOwnKey({
    home: config.home,
    owner: config.identity,
    ...(config.key.json ? { keyJson: config.key.json } : {}),
    ...(config.key.file ? { keyFile: config.key.file } : {}),
    ...(config.key.enrollmentDir ? { enrollmentDir: config.key.enrollmentDir } : {}),
  });
  if (own.generated) logger.log(`made its own key on first start; enrollment (public keys only) in ${own.enrollmentPath ?? '?'}`);
  const trust = new ReloadingTrustStore(HomeLayout.trust(config.home), logger);
  assertEnrolled(trust.current, own);
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
  const credentials = natsCredentialsOf(own.file);
  const nc = await connectNats({
    url: config.natsUrl.split(','),
    user: credentials.user,
    seed: credentials.seed,
    ...(config.natsCa ? { caFile: config.natsCa } : {}),
    inboxPrefix: credentials.inboxPrefix,
    name: config.identity,
    logger,
  });
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
    runner: new DecisionRunner(store, signer, options.decisionLog),
    clock: () => new Date(),
    logger,
    metrics,
  };
}
