import { Logger } from '@nestjs/common';
import type { NatsConnection } from 'nats';
import type { CheckpointStore, EventStore } from '@countersign/event-store';
import {
  EnvelopeSigner,
  loadIdentity,
  loadNatsCredentials,
  HomeLayout,
  loadRegistry,
  ReloadingTrustStore,
  type IdentityFile,
  type Registry,
  type TrustStore,
} from '@countersign/identity';
import { connectNats } from '@countersign/messaging';
import type { ServiceConfig } from './config';
import { DecisionRunner } from './decision-runner';
import { openStore } from './open-store';

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
}

export async function openRuntime(config: ServiceConfig): Promise<ServiceRuntime> {
  const logger = new Logger(config.service);
  const identityFile = loadIdentity(config.home, config.identity);
  const signer = new EnvelopeSigner(config.identity, identityFile.signing);
  const trust = new ReloadingTrustStore(HomeLayout.trust(config.home), logger);
  trust.start(config.trustReloadMs);
  const { store, checkpoints } = await openStore(config);
  const credentials = loadNatsCredentials(config.home, config.natsUser);
  const nc = await connectNats({
    url: config.natsUrl.split(','),
    user: credentials.user,
    pass: credentials.password,
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
    runner: new DecisionRunner(store, signer),
    clock: () => new Date(),
    logger,
  };
}
