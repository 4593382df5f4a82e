import { randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { EventTypes, Subjects } from '@countersign/contracts';
import { EnvelopeSigner, loadIdentity } from '@countersign/identity';
import { connectAs, startStack, type Stack } from '@countersign/stack';
import { measurePrimitives } from './machine-bound';
import { perRequest, readCounters, type WorkCounters } from './pipeline-counters';

/**
 * Drives N auto-approved requests through the real stack (five processes, real nats-server,
 * SQLite stores) and reports throughput and latency next to the machine's bound, measured in the
 * same run from the primitives every request is made of. Prints one JSON object as its last line.
 */
const N = Number(process.env.BENCH_N ?? 400);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 30);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const REQUESTER = 'deploy-bot';

async function drive(stack: Stack, count: number): Promise<{ seconds: number; latenciesMs: number[] }> {
  const nc = await connectAs(stack, `requester-${REQUESTER}`);
  const signer = new EnvelopeSigner(`requester:${REQUESTER}`, loadIdentity(stack.home, `requester:${REQUESTER}`).signing);
  const sentAt = new Map<string, bigint>();
  const latenciesMs: number[] = [];
  let finished: () => void = () => undefined;
  const allDone = new Promise<void>((resolve) => (finished = resolve));
  nc.subscribe(Subjects.notify(REQUESTER), {
    callback: (_error, msg) => {
      const { data } = msg.json<{ data: { requestId: string; outcome: string } }>();
      const start = sentAt.get(data.requestId);
      if (data.outcome === 'failed' || data.outcome === 'rejected') throw new Error(`request ${data.requestId} ${data.outcome}`);
      if (data.outcome !== 'executed' || start === undefined) return;
      latenciesMs.push(Number(process.hrtime.bigint() - start) / 1e6);
      sentAt.delete(data.requestId);
      if (latenciesMs.length === count) finished();
    },
  });
  await nc.flush();
  const js = nc.jetstream();
  let next = 0;
  const inFlightLimit = async () => {
    while (sentAt.size >= CONCURRENCY) await new Promise((resolve) => setTimeout(resolve, 1));
  };
  const started = process.hrtime.bigint();
  while (next < count) {
    await inFlightLimit();
    next += 1;
    const requestId = randomUUID();
    const action = {
      kind: 'http.request',
      target: 'demo-staging',
      environment: 'staging',
      parameters: { method: 'POST', path: '/deploy' },
    };
    const envelope = signer.sign({
      id: randomUUID(),
      type: EventTypes.RequestSubmitted,
      subject: requestId,
      time: new Date().toISOString(),
      data: { requestId, action, reason: 'bench' },
    });
    sentAt.set(requestId, process.hrtime.bigint());
    await js.publish(Subjects.submit(REQUESTER), JSON.stringify(envelope), { msgID: envelope.id });
  }
  await allDone;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await nc.close();
  return { seconds, latenciesMs };
}

/** Audit trails the requester's last notification; count its work once the streams stop growing. */
async function settledCounters(read: () => Promise<WorkCounters>): Promise<WorkCounters> {
  let last = await read();
  for (let waited = 0; waited < 60_000; waited += 1_000) {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const now = await read();
    if (now.published === last.published && now.appended === last.appended) return now;
    last = now;
  }
  return last;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const round = (value: number, digits = 1) => Number(value.toFixed(digits));

async function main(): Promise<void> {
  const stack = await startStack({});
  try {
    const provisioner = await connectAs(stack, 'provisioner');
    const siem = stack.description.siemReaders;
    await drive(stack, WARMUP);
    const before = await readCounters(provisioner, stack.home, siem);
    const run = await drive(stack, N);
    const work = perRequest(before, await settledCounters(() => readCounters(provisioner, stack.home, siem)), N);
    const costs = await measurePrimitives();
    await provisioner.close();

    const perRequestUs =
      work.published * (costs.publishUs + costs.signUs) +
      work.delivered * (costs.consumeUs + costs.verifyUs) +
      work.appended * costs.appendUs;
    const cores = cpus().length;
    const boundRps = (cores * 1e6) / perRequestUs;
    const throughput = N / run.seconds;
    const sorted = [...run.latenciesMs].sort((a, b) => a - b);
    console.log(`requests            ${N} (after ${WARMUP} warm-up), ${CONCURRENCY} in flight`);
    console.log(`throughput          ${round(throughput)} executed requests/s`);
    console.log(
      `latency             p50 ${round(percentile(sorted, 50))} ms, p99 ${round(percentile(sorted, 99))} ms (submit -> executed notification)`,
    );
    console.log(
      `work per request    ${round(work.published)} signed publishes, ${round(work.delivered)} verified deliveries, ${round(work.appended)} store appends`,
    );
    console.log(
      `primitive costs     publish ${round(costs.publishUs)} us, consume+ack ${round(costs.consumeUs)} us, sign ${round(costs.signUs)} us, verify ${round(costs.verifyUs)} us, append ${round(costs.appendUs)} us`,
    );
    console.log(
      `machine bound       ${round(perRequestUs)} us of work per request on ${cores} cores -> ${round(boundRps)} requests/s (ideal: all cores busy, no scheduling or idle time)`,
    );
    console.log(`ratio               ${round(throughput / boundRps, 3)} of the bound`);
    console.log(
      JSON.stringify({
        throughput_rps: round(throughput, 2),
        bound_rps: round(boundRps, 2),
        ratio: round(throughput / boundRps, 4),
        p50_ms: round(percentile(sorted, 50), 2),
        p99_ms: round(percentile(sorted, 99), 2),
        requests: N,
        concurrency: CONCURRENCY,
        per_request: { publishes: round(work.published, 2), deliveries: round(work.delivered, 2), appends: round(work.appended, 2) },
        primitive_us: Object.fromEntries(Object.entries(costs).map(([key, value]) => [key, round(value, 2)])),
      }),
    );
  } finally {
    await stack.shutdown();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
