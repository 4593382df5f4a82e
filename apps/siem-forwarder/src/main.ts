import { join } from 'node:path';
import type { NatsConnection } from 'nats';
import { type ConsumerSpec, errorMessage, siemConsumer } from '@countersign/contracts';
import { loadOwnKey, loadTrustStore, natsCredentialsOf } from '@countersign/identity';
import { connectNats } from '@countersign/messaging';
import {
  collectConsumers,
  consumersCheck,
  natsCheck,
  operationsEndpoint,
  ServiceMetrics,
  startOperationsServer,
  type ReadinessCheck,
} from '@countersign/service-runtime';
import {
  createSinks,
  Forwarder,
  HeadFile,
  loadForwarderConfig,
  natsAuditSource,
  stateDirOf,
  writeStatusFile,
  type ForwarderStatus,
} from '@countersign/siem';
import { createServiceLog } from '@countersign/service-runtime';

/** JSON lines like every service's (docs/operations.md, "Logs"). */
const log = createServiceLog('siem-forwarder');

/**
 * The SIEM forwarder: its own process and its own identity (`siem:<reader>`), so audit is never
 * slowed or blocked by a SIEM. It pulls CS_AUDIT on the reader's durable consumer, verifies each
 * record (audit's signature, the link, the hash), renders it as OCSF and delivers it to every
 * configured sink, acking only once all of them accepted it. Configuration: docs/siem.md.
 */
async function main(): Promise<void> {
  const config = loadForwarderConfig(process.env);
  if (!config) throw new Error('no sink configured: set COUNTERSIGN_SIEM_CONFIG (a JSON file) or COUNTERSIGN_SIEM_CONFIG_JSON');
  const url = process.env.COUNTERSIGN_NATS_URL;
  if (!url) throw new Error('COUNTERSIGN_NATS_URL is not set');
  const home = process.env.COUNTERSIGN_HOME ?? join(process.cwd(), '.countersign');
  const trust = loadTrustStore(home);
  // Its own NATS key, made where it runs (COUNTERSIGN_KEY_FILE, or <home>/keys/siem-<reader>/key.json),
  // with its public enrollment beside it (or in COUNTERSIGN_ENROLLMENT_DIR) for provisioning.
  const own = loadOwnKey({
    home,
    owner: `siem:${config.reader}`,
    ...(process.env.COUNTERSIGN_KEY_FILE ? { keyFile: process.env.COUNTERSIGN_KEY_FILE } : {}),
    ...(process.env.COUNTERSIGN_ENROLLMENT_DIR ? { enrollmentDir: process.env.COUNTERSIGN_ENROLLMENT_DIR } : {}),
  });
  const credentials = natsCredentialsOf(own.file);
  const nc = await connectNats({
    url: url.split(','),
    user: credentials.user,
    seed: credentials.seed,
    ...(process.env.COUNTERSIGN_NATS_CA ? { caFile: process.env.COUNTERSIGN_NATS_CA } : {}),
    inboxPrefix: credentials.inboxPrefix,
    name: `siem:${config.reader}`,
  });
  const spec: Pick<ConsumerSpec, 'stream' | 'durable'> = siemConsumer(config.reader);
  const consumer = await nc.jetstream().consumers.get(spec.stream, spec.durable);
  const stateDir = stateDirOf(config, home);
  const sinks = createSinks(config, process.env);
  const healthFile = process.env.COUNTERSIGN_HEALTH_FILE;
  let latest: ForwarderStatus | undefined;
  const operations = await startForwarderOperations(
    nc,
    spec,
    () => latest,
    () => Boolean(trust.activeSigningKey('service:audit')),
  );
  const forwarder = new Forwarder({
    source: natsAuditSource(consumer),
    verify: (bytes) => trust.verifyBytes(bytes),
    sinks,
    head: new HeadFile(join(stateDir, 'head.json')),
    batch: config.batch,
    report: (status: ForwarderStatus) => {
      latest = status;
      writeStatusFile(join(stateDir, 'status.json'), status);
      if (healthFile) writeStatusFile(healthFile, status);
    },
    log: (line) => log.info(line),
  });
  process.once('SIGINT', () => forwarder.stop());
  process.once('SIGTERM', () => forwarder.stop());
  console.log(`COUNTERSIGN_READY siem-forwarder as siem:${config.reader} -> ${sinks.map((sink) => sink.name).join(', ')}`);
  const result = await forwarder.run();
  await Promise.all(sinks.map((sink) => sink.close()));
  await operations.close();
  await nc.drain();
  if (result.stoppedBecause) process.exitCode = 1;
}

/**
 * Its operations port (docs/operations.md): ready when NATS answers, its consumer exists, audit's
 * key is in its trust store (it verifies every record) and it pulls, not stopped for an operator.
 */
async function startForwarderOperations(
  nc: NatsConnection,
  spec: Pick<ConsumerSpec, 'stream' | 'durable'>,
  status: () => ForwarderStatus | undefined,
  auditKeyKnown: () => boolean,
) {
  const metrics = new ServiceMetrics('siem-forwarder');
  collectConsumers(metrics, nc, [spec]);
  // A sink that is down holds records back but needs no operator (the lag says so): still ready.
  // Stopped on a record or a sink that does need one, or not yet pulling: not ready.
  const forwarding: ReadinessCheck = {
    name: 'forwarder',
    check: () => {
      const current = status();
      if (!current || current.state === 'starting' || current.state === 'stopped')
        throw new Error(`forwarder is ${current?.state ?? 'starting'}${current?.stoppedBecause ? `: ${current.stoppedBecause}` : ''}`);
      return Promise.resolve({ state: current.state, lag: current.lag });
    },
  };
  const keys: ReadinessCheck = {
    name: 'keys',
    check: () => (auditKeyKnown() ? Promise.resolve() : Promise.reject(new Error("audit's signing key is not in the trust store"))),
  };
  return startOperationsServer({
    service: 'siem-forwarder',
    ...operationsEndpoint(process.env),
    metrics,
    alive: () => !nc.isClosed(),
    readiness: [natsCheck(nc), consumersCheck(nc, [spec], () => true), keys, forwarding],
  });
}

main().catch((error: unknown) => {
  log.error(`siem-forwarder failed: ${errorMessage(error)}`);
  process.exitCode = 1;
});
