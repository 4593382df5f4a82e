import { spawnSync } from 'node:child_process';
import { Consumers, Streams } from '@countersign/contracts';
import { connectAs, startStack, type Stack } from '@countersign/stack';
import type { RunningNatsCluster } from '@countersign/testing';
import { RequesterClient } from '@countersign/e2e';
import { effectCounts } from './support/chaos';
import { NotifyLog } from './cluster-support/notify-log';
import { submitUntilAcked, type Submission } from './cluster-support/submitter';
import { pickVictim, rejoined } from './cluster-support/victim';

/**
 * The real stack (five services and the demo target, separate processes) on three nats-server nodes
 * with every stream and consumer at 3 replicas. Low-risk flows (auto-approved) are submitted over
 * NATS at a steady pace; a third of the way in one node is SIGKILLed, and started again on its own
 * store DOWN_MS later. Every acknowledged submission must end in a final outcome, and the demo
 * target must have recorded no effect twice. Knobs: CLUSTER_FLOWS, CLUSTER_KILL (events-leader,
 * meta-leader or a node index), CLUSTER_DOWN_MS, CLUSTER_SUBMIT_EVERY_MS, CLUSTER_SETTLE_MS.
 */
const FLOWS = Number(process.env.CLUSTER_FLOWS ?? 150);
const KILL = process.env.CLUSTER_KILL ?? 'events-leader';
const DOWN_MS = Number(process.env.CLUSTER_DOWN_MS ?? 10_000);
const SUBMIT_EVERY_MS = Number(process.env.CLUSTER_SUBMIT_EVERY_MS ?? 150);
const SETTLE_MS = Number(process.env.CLUSTER_SETTLE_MS ?? 180_000);
/** How long one submission may stay unacknowledged before the run counts it as refused. */
const ACK_DEADLINE_MS = 120_000;

const lowRisk = { kind: 'http.request', target: 'demo-staging', environment: 'staging', parameters: { method: 'POST', path: '/deploy' } };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

jest.setTimeout(600_000);

describe('the stack on a three-node NATS cluster', () => {
  let stack: Stack;
  let cluster: RunningNatsCluster;
  let requester: RequesterClient;
  let notes: NotifyLog;

  beforeAll(async () => {
    stack = await startStack({
      natsCluster: true,
      jetstream: { replicas: 3 },
      env: { COUNTERSIGN_TIMER_MS: '200' },
      log: process.env.CHAOS_LOG ? (name, line) => process.stdout.write(`${name}| ${line}\n`) : undefined,
    });
    if (!stack.natsCluster) throw new Error('the stack did not start on a cluster');
    cluster = stack.natsCluster;
    requester = await RequesterClient.connect(stack, 'deploy-bot');
    notes = await NotifyLog.open(stack);
  });

  afterAll(async () => {
    await requester?.close();
    await notes?.close();
    await stack?.shutdown();
  });

  it('runs every stream and durable consumer at 3 replicas, and every service knows every node', async () => {
    expect(stack.natsUrl.split(',')).toEqual(cluster.urls);
    const nc = await connectAs(stack, 'provisioner');
    try {
      const jsm = await nc.jetstreamManager();
      for (const stream of Object.values(Streams)) expect((await jsm.streams.info(stream.name)).config.num_replicas).toBe(3);
      for (const consumer of Object.values(Consumers).flat())
        expect((await jsm.consumers.info(consumer.stream, consumer.durable)).config.num_replicas).toBe(3);
    } finally {
      await nc.close();
    }
  });

  it('loses nothing and runs nothing twice when a node is killed and later restarted mid-run', async () => {
    const victim = await pickVictim(stack, cluster, KILL);
    const killAt = Math.floor(FLOWS / 3);
    const submissions: Array<Promise<Submission | { unacknowledged: string }>> = [];
    let restarted: Promise<void> = Promise.resolve();
    for (let i = 0; i < FLOWS; i += 1) {
      if (i === killAt) {
        await cluster.kill(victim.index);
        restarted = sleep(DOWN_MS).then(() => cluster.start(victim.index));
      }
      submissions.push(submitUntilAcked(requester, lowRisk, Date.now() + ACK_DEADLINE_MS));
      await sleep(SUBMIT_EVERY_MS);
    }
    await restarted;
    await cluster.waitForMetaLeader();
    const results = await Promise.all(submissions);
    const acked = results.filter((result): result is Submission => 'requestId' in result);
    const unacknowledged = results.flatMap((result) => ('unacknowledged' in result ? [result.unacknowledged] : []));

    const settleStart = Date.now();
    const finals = await settle(acked, settleStart + SETTLE_MS);
    const settleMs = Date.now() - settleStart;
    const drained = await pipelineDrained(stack, settleStart + SETTLE_MS);
    const nodeRejoined = await rejoined(stack, victim.name, Date.now() + 60_000);

    const effectsPerRequest = await effectCounts(stack);
    const outcomes = acked.map((submission) => finals.get(submission.requestId));
    const report = {
      flows: FLOWS,
      nats_server: spawnSync('nats-server', ['--version'], { encoding: 'utf8' }).stdout.trim(),
      sync_interval_always: cluster.syncAlways,
      node_killed: victim.name,
      kill_reason: victim.why,
      clients_on_killed_node: victim.clients,
      down_ms: DOWN_MS,
      acknowledged: acked.length,
      republished: acked.filter((submission) => submission.attempts > 1).length,
      unacknowledged: unacknowledged.length,
      executed: outcomes.filter((outcome) => outcome === 'executed').length,
      other_finals: outcomes.filter((outcome) => outcome !== undefined && outcome !== 'executed').length,
      lost: outcomes.filter((outcome) => outcome === undefined).length,
      duplicated_effects: [...effectsPerRequest.values()].reduce((sum, count) => sum + Math.max(0, count - 1), 0),
      settle_ms: settleMs,
      drained,
      rejoined: nodeRejoined,
    };
    process.stdout.write(`${JSON.stringify(report)}\n`);

    expect(unacknowledged).toEqual([]);
    expect(report.lost).toBe(0);
    expect(report.duplicated_effects).toBe(0);
    expect(report.rejoined).toBe(true);
    // The effect count is final only once no consumer has anything left to redeliver.
    expect(report.drained).toBe(true);
    // Each executed request left exactly one effect at the target: an outcome is not taken on trust.
    for (const submission of acked.filter((s) => finals.get(s.requestId) === 'executed'))
      expect(effectsPerRequest.get(submission.requestId)).toBe(1);
  });

  /** Reads CS_NOTIFY until every acknowledged submission has a final outcome, or the deadline. */
  async function settle(acked: Submission[], deadline: number): Promise<Map<string, string>> {
    const finals = new Map<string, string>();
    for (;;) {
      await notes.catchUp();
      for (const { requestId, submissionId } of acked) {
        const outcome = notes.finalOf(requestId, submissionId);
        if (outcome) finals.set(requestId, outcome);
      }
      if (finals.size === acked.length || Date.now() > deadline) return finals;
      await sleep(500);
    }
  }
});

/**
 * Whether every service's durable consumer has nothing pending and nothing unacknowledged: once true, no
 * redelivery can still produce a late second effect, so counting effects afterwards is final.
 */
async function pipelineDrained(stack: Stack, deadline: number): Promise<boolean> {
  const nc = await connectAs(stack, 'provisioner');
  try {
    const jsm = await nc.jetstreamManager();
    for (;;) {
      let busy = false;
      for (const { stream, durable } of Object.values(Consumers).flat()) {
        const info = await jsm.consumers.info(stream, durable).catch(() => undefined);
        busy ||= !info || info.num_pending > 0 || info.num_ack_pending > 0;
      }
      if (!busy) return true;
      if (Date.now() > deadline) return false;
      await sleep(1_000);
    }
  } finally {
    await nc.close();
  }
}
