import { errorMessage, targetConsumer } from '@countersign/contracts';
import { connectNats } from '@countersign/messaging';
import { loadDemoTargetConfig, type DemoTargetConfig } from './config';
import { RevocationFeed } from './revocation-feed';
import { createDemoTarget, type DemoTarget } from './server';

/**
 * Starts the demo target from the environment; the ready line is what launchers wait for. With
 * COUNTERSIGN_NATS_URL it first catches up on the broker's revocations, then keeps following them.
 * Without it, revoked tokens are not refused: tokens are still single-use and live at most 15 minutes.
 */
async function main(): Promise<void> {
  const config = loadDemoTargetConfig(process.env);
  const target = createDemoTarget(config);
  const stopFeed = await followRevocations(config, target);
  const url = await target.listen(config.port, config.host);
  console.log(`demo-target listening on ${url}`);
  const stop = () => void stopFeed().finally(() => void target.close());
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

async function followRevocations(config: DemoTargetConfig, target: DemoTarget): Promise<() => Promise<void>> {
  if (!config.nats) {
    console.log('demo-target: COUNTERSIGN_NATS_URL not set; revocations are not followed');
    return () => Promise.resolve();
  }
  const { credentials, servers } = config.nats;
  const nc = await connectNats({
    url: servers,
    user: credentials.user,
    pass: credentials.password,
    inboxPrefix: credentials.inboxPrefix,
    name: `target:${config.targetName}`,
  });
  const feed = new RevocationFeed({
    nc,
    consumer: targetConsumer(config.targetName),
    trust: config.trust,
    revoke: (revocation) => target.revoke(revocation),
    log: (line) => console.log(`demo-target: ${line}`),
  });
  const { caughtUp } = await feed.start();
  console.log(`demo-target: following revocations (caught up on ${caughtUp} missed while down)`);
  return async () => {
    await feed.stop();
    await nc.drain();
  };
}

main().catch((error: unknown) => {
  console.error(`demo-target failed to start: ${errorMessage(error)}`);
  process.exitCode = 1;
});
