import { readFileSync } from 'node:fs';
import { AckPolicy, StorageType, connect, type JetStreamManager, type NatsConnection } from 'nats';
import { natsServerAcceptsSyncAlways, startNatsCluster, type RunningNatsCluster } from './nats-cluster';

jest.setTimeout(180_000);

const STREAM = 'HARNESS';

/** Polls until `check` returns a value; the machine is shared, so waits are generous. */
async function until<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
}

async function streamCluster(jsm: JetStreamManager) {
  const info = await jsm.streams.info(STREAM);
  return { leader: info.cluster?.leader ?? '', replicas: info.cluster?.replicas ?? [], messages: info.state.messages };
}

describe('nats-server cluster harness', () => {
  let cluster: RunningNatsCluster;
  let nc: NatsConnection;

  beforeAll(async () => {
    cluster = await startNatsCluster();
    await cluster.waitForMetaLeader();
    nc = await connect({ servers: cluster.urls, maxReconnectAttempts: -1, reconnectTimeWait: 250, noAsyncTraces: true });
  });

  afterAll(async () => {
    await nc?.close();
    await cluster?.stop();
  });

  it('runs three routed JetStream nodes that agree on a meta leader', async () => {
    expect(cluster.nodes.map((node) => node.name)).toEqual(['n1', 'n2', 'n3']);
    expect(cluster.url.split(',')).toEqual(cluster.urls);
    expect(cluster.nodes.map((_, index) => cluster.isRunning(index))).toEqual([true, true, true]);
    expect(Object.keys(cluster.pids())).toEqual(['nats-server-n1', 'nats-server-n2', 'nats-server-n3']);
    expect(cluster.indexOf(await cluster.waitForMetaLeader())).toBeGreaterThanOrEqual(0);
  });

  it('asks every node to fsync each message exactly when the installed nats-server knows the setting', () => {
    expect(cluster.syncAlways).toBe(natsServerAcceptsSyncAlways(cluster.dir));
    for (const node of cluster.nodes) {
      const config = readFileSync(node.configPath, 'utf8');
      expect(/^\s*sync_interval: always$/m.test(config)).toBe(cluster.syncAlways);
      for (const peer of cluster.nodes.filter((other) => other !== node))
        expect(config).toContain(`nats-route://127.0.0.1:${peer.clusterPort}`);
    }
  });

  it('keeps an R3 stream and its R3 consumer working while the leader is killed, and the node rejoins', async () => {
    const jsm = await nc.jetstreamManager();
    await until(
      async () => jsm.streams.add({ name: STREAM, subjects: ['harness.>'], storage: StorageType.File, num_replicas: 3 }),
      'the R3 stream to be created',
    );
    await until(
      () => jsm.consumers.add(STREAM, { durable_name: 'reader', ack_policy: AckPolicy.Explicit, num_replicas: 3 }),
      'the R3 consumer to be created',
    );
    // Right after creation its info once listed all three peers as replicas (CI, nats-server 2.9.10): ask once it has a leader.
    const consumerCluster = await until(async () => {
      const info = (await jsm.consumers.info(STREAM, 'reader')).cluster;
      return info?.leader ? info : undefined;
    }, 'the R3 consumer to elect a leader');
    expect(consumerCluster.replicas).toHaveLength(2);
    const js = nc.jetstream();
    for (let i = 0; i < 10; i += 1) await js.publish('harness.before', `before ${i}`, { msgID: `before-${i}` });

    const { leader, replicas } = await streamCluster(jsm);
    expect(replicas).toHaveLength(2);
    const victim = cluster.indexOf(leader);
    await cluster.kill(victim);
    expect(cluster.isRunning(victim)).toBe(false);
    expect(Object.keys(cluster.pids())).not.toContain(`nats-server-${cluster.nodes[victim]!.name}`);

    // A new stream leader takes over; publishes (same ids, as a client retrying would) keep working.
    await until(async () => {
      const now = await streamCluster(jsm);
      return now.leader && now.leader !== leader ? now.leader : undefined;
    }, 'a new stream leader');
    for (let i = 0; i < 10; i += 1)
      await until(() => js.publish('harness.during', `during ${i}`, { msgID: `during-${i}`, timeout: 5_000 }), `publish ${i}`);
    const retried = await until(() => js.publish('harness.during', 'during 0', { msgID: 'during-0', timeout: 5_000 }), 'a retried publish');
    expect(retried.duplicate).toBe(true);

    // The R3 consumer (its leader may have moved too) still hands out every message.
    const consumer = await until(() => js.consumers.get(STREAM, 'reader'), 'the consumer');
    const bodies = new Set<string>();
    await until(async () => {
      const batch = await consumer.fetch({ max_messages: 20, expires: 2_000 });
      for await (const msg of batch) {
        bodies.add(msg.string());
        // A lost ack means a redelivery (at least once), hence a set of bodies.
        await msg.ackAck().catch(() => false);
      }
      return bodies.size === 20 ? true : undefined;
    }, 'all 20 messages from the consumer');
    const expected = [...['before', 'during'].flatMap((phase) => Array.from({ length: 10 }, (_, i) => `${phase} ${i}`))];
    expect([...bodies].sort()).toEqual(expected.sort());

    await cluster.start(victim);
    expect(cluster.isRunning(victim)).toBe(true);
    await cluster.waitForMetaLeader();
    const rejoined = await until(async () => {
      const now = await streamCluster(jsm);
      const peer = now.replicas.find((replica) => replica.name === leader);
      return now.leader === leader || (peer?.current && !peer.offline) ? now : undefined;
    }, 'the restarted node to be a current replica again');
    expect(rejoined.messages).toBe(20);
  });
});
