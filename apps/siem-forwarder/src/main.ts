import { join } from 'node:path';
import { type ConsumerSpec, errorMessage, siemConsumer } from '@countersign/contracts';
import { loadOwnKey, loadTrustStore, natsCredentialsOf } from '@countersign/identity';
import { connectNats } from '@countersign/messaging';
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
  const forwarder = new Forwarder({
    source: natsAuditSource(consumer),
    verify: (bytes) => trust.verifyBytes(bytes),
    sinks,
    head: new HeadFile(join(stateDir, 'head.json')),
    batch: config.batch,
    report: (status: ForwarderStatus) => {
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
  await nc.drain();
  if (result.stoppedBecause) process.exitCode = 1;
}

main().catch((error: unknown) => {
  log.error(`siem-forwarder failed: ${errorMessage(error)}`);
  process.exitCode = 1;
});
