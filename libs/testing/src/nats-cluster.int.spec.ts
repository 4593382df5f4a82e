import { AckPolicy, StorageType, connect, type JetStreamManager, type NatsConnection } from 'nats';
import { startNatsCluster, type RunningNatsCluster } from './nats-cluster';

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
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
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
    expect(cluster.indexOf(await cluster.waitForMetaLeader())).toBeGreaterThanOrEqual(0);
  });

  it('keeps an R3 stream and its R3 consumer working while the leader is killed, and the node rejoins', async () => {
    const jsm = await nc.jetstreamManager();
    await until(
      async () => jsm.streams.add({ name: STREAM, subjects: ['harness.>'], storage: StorageType.File, num_replicas: 3 }),
      'the R3 stream to be created',
    );
    await jsm.consumers.add(STREAM, { durable_name: 'reader', ack_policy: AckPolicy.Explicit, num_replicas: 3 });
    expect((await jsm.consumers.info(STREAM, 'reader')).cluster?.replicas).toHaveLength(2);
    const js = nc.jetstream();
    for (let i = 0; i < 10; i += 1) await js.publish('harness.before', `before ${i}`, { msgID: `before-${i}` });

    const { leader, replicas } = await streamCluster(jsm);
    expect(replicas).toHaveLength(2);
    const victim = cluster.indexOf(leader);
    await cluster.kill(victim);
    expect(cluster.isRunning(victim)).toBe(false);

    // A new stream leader takes over; publishes (same ids, as a client retrying would) keep working.
    await until(async () => {
      const now = await streamCluster(jsm);
      return now.leader && now.leader !== leader ? now.leader : undefined;
    }, 'a new stream leader');
    for (let i = 0; i < 10; i += 1)
      await until(() => js.publish('harness.during', `during ${i}`, { msgID: `during-${i}`, timeout: 5_000 }), `publish ${i}`);
    const retried = await js.publish('harness.during', 'during 0', { msgID: 'during-0' });
    expect(retried.duplicate).toBe(true);

    const consumer = await js.consumers.get(STREAM, 'reader');
    const bodies: string[] = [];
    while (bodies.length < 20) {
      const batch = await consumer.fetch({ max_messages: 20, expires: 2_000 });
      for await (const msg of batch) {
        bodies.push(msg.string());
        await msg.ackAck();
      }
    }
    expect(bodies).toHaveLength(20);
    expect(new Set(bodies).size).toBe(20);

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
