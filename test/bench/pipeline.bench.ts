import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { connect } from 'nats';
import { SERVICE_NAMES } from '@countersign/contracts';
import { connectAs, REPO_ROOT, startStack } from '@countersign/stack';
import { round, type Run } from './driver';
import { essentialBound, measureUnitCosts } from './essential-bound';
import { perRequest, readCounters, subjectCounts, subjectsPerRequest, type WorkCounters } from './pipeline-counters';
import { startReferenceChain } from './reference-chain/chain';
import { flowWork } from './reference-chain/flow';
import { HISTORY_FILE_STORE } from './history';
import { historyRun } from './history-run';
import { peakRss, stackPids } from './rss';
import { pipelineTarget, referenceTarget, REQUESTER, run, runWithCpu } from './targets';
import { hopTimeline, streamHeads } from './hop-timeline';

/**
 * Drives auto-approved requests through the real stack (five processes, real nats-server, SQLite
 * stores) and, in the same run and on the same machine, through the reference chain (plain
 * processes doing only the architecture's essential work). Reports both, their ratios and the
 * essential-work bound. The last line printed is one JSON object.
 */
const N = Number(process.env.BENCH_N ?? 400);
const SINGLE_N = Number(process.env.BENCH_SINGLE_N ?? 100);
/**
 * Requests each side serves before anything is measured. The services are long-running processes:
 * what an agent waits for is their steady state, after V8 has optimized the hot code. 30 left the
 * loaded run measuring the tier-up itself (TurboFan compiling was 11% of audit's CPU then, 2-3%
 * after about 1,000 requests; docs/operations.md, "Warm-up").
 */
const WARMUP = Number(process.env.BENCH_WARMUP ?? 600);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
/** Events to pre-fill every store and stream with for the history run; off unless set (`npm run bench:history`). */
const HISTORY = Number(process.env.BENCH_HISTORY ?? 0);
/**
 * `built` (default): the services run from their build in dist/, made here first, as a deployment
 * runs them (the image has no TypeScript sources). `source`: compiled on require, as in development,
 * which keeps the compiler and inline source maps in every process (about 30-40 MB more RSS).
 */
const RUN_FROM = process.env.BENCH_RUN_FROM === 'source' ? 'source' : 'built';
/** Service log lines matching this regular expression go to stderr, named by service (e.g. `BENCH_LOG='snapshot|schedule index'`); none otherwise. */
const LOG_MATCH = process.env.BENCH_LOG ? new RegExp(process.env.BENCH_LOG) : undefined;
const printMatching = (name: string, line: string) => {
  if (LOG_MATCH?.test(line)) process.stderr.write(`${name}: ${line}\n`);
};

/** scripts/build.js swaps each build folder in whole (built beside it, then renamed), so a stack already running from dist/ is not disturbed. */
function buildServices(): void {
  if (RUN_FROM !== 'built') return;
  execFileSync(process.execPath, ['scripts/build.js', ...SERVICE_NAMES, 'demo-target'], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/** Audit trails the requester's last notification; count its work once the streams stop growing. */
async function settled(read: () => Promise<WorkCounters>): Promise<WorkCounters> {
  let last = await read();
  for (let waited = 0; waited < 60_000; waited += 1_000) {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const now = await read();
    if (now.published === last.published && now.appended === last.appended) return now;
    last = now;
  }
  return last;
}

const figures = (run: Run) => ({ throughput_rps: round(run.throughput, 2), p50_ms: round(run.p50, 2), p99_ms: round(run.p99, 2) });
const line = (label: string, run: Run) =>
  console.log(
    `${label.padEnd(32)}${round(run.throughput)} req/s, p50 ${round(run.p50)} ms, p99 ${round(run.p99)} ms (${run.requests} requests, ${run.concurrency} in flight)`,
  );

async function main(): Promise<void> {
  // A history of 10^6 messages a stream needs more JetStream storage than the generated config allows.
  buildServices();
  const stack = await startStack({
    env: { COUNTERSIGN_RUN_FROM: RUN_FROM },
    ...(LOG_MATCH ? { log: printMatching } : {}),
    ...(HISTORY > 0 ? { natsMaxFileStore: HISTORY_FILE_STORE } : {}),
  });
  let chain = await startReferenceChain(REQUESTER);
  try {
    const provisioner = await connectAs(stack, 'provisioner');
    const referenceProvisioner = await connect({ servers: chain.natsUrl, noAsyncTraces: true });
    const siem = stack.description.siemReaders;
    const pipeline = await pipelineTarget(stack);
    const reference = await referenceTarget(chain);

    await run(pipeline, WARMUP, CONCURRENCY);
    await run(reference, WARMUP, CONCURRENCY);
    const before = await readCounters(provisioner, stack.home, siem);
    const subjectsBefore = await subjectCounts(provisioner);
    const referenceSubjectsBefore = await subjectCounts(referenceProvisioner);
    // CPU is read for each side's services and its nats-server.
    const pipelinePids = { ...stackPids(stack.home, SERVICE_NAMES), ...stack.nats.pids() };
    const referencePids = { ...chain.pids, ...chain.bus.pids() };
    // Interleaved, so both see the same background load of a shared machine.
    const { result: loaded, cpu } = await runWithCpu(pipeline, N, CONCURRENCY, pipelinePids);
    const { result: referenceLoaded, cpu: referenceCpu } = await runWithCpu(reference, N, CONCURRENCY, referencePids);
    const work = perRequest(before, await settled(() => readCounters(provisioner, stack.home, siem)), N);
    const events = subjectsPerRequest(subjectsBefore, await subjectCounts(provisioner), N);
    const referenceEvents = subjectsPerRequest(referenceSubjectsBefore, await subjectCounts(referenceProvisioner), N);
    const [singleHeads, referenceSingleHeads] = [await streamHeads(provisioner), await streamHeads(referenceProvisioner)];
    const { result: single, cpu: singleCpu } = await runWithCpu(pipeline, SINGLE_N, 1, pipelinePids);
    const { result: referenceSingle, cpu: referenceSingleCpu } = await runWithCpu(reference, SINGLE_N, 1, referencePids);
    const timeline = {
      pipeline: await hopTimeline(provisioner, singleHeads),
      reference: await hopTimeline(referenceProvisioner, referenceSingleHeads),
    };
    const rss = peakRss(stackPids(stack.home, ['demo-target', ...SERVICE_NAMES]));
    const referenceRss = peakRss(chain.pids);
    await Promise.all([pipeline.nc.close(), reference.nc.close(), referenceProvisioner.close()]);
    // The services start again after the pre-fill; so does the reference chain, to be as warm.
    const freshReference = async () => {
      await chain.stop();
      chain = await startReferenceChain(REQUESTER);
      return { target: await referenceTarget(chain), pids: { ...chain.pids, ...chain.bus.pids() } };
    };
    const history =
      HISTORY > 0
        ? await historyRun(
            stack,
            provisioner,
            freshReference,
            { loaded, single, referenceLoaded, referenceSingle },
            { events: HISTORY, warmup: WARMUP, requests: N, singleRequests: SINGLE_N, concurrency: CONCURRENCY },
          )
        : undefined;
    await provisioner.close();

    const costs = await measureUnitCosts();
    const flow = flowWork();
    const cores = cpus().length;
    const bound = essentialBound(costs, flow.eventCount, flow.neededDeliveries, cores);
    const ratios = {
      throughput: round(loaded.throughput / referenceLoaded.throughput, 3),
      single_p50: round(single.p50 / referenceSingle.p50, 2),
      single_p99: round(single.p99 / referenceSingle.p99, 2),
      of_bound: round(loaded.throughput / bound.rps, 3),
      reference_of_bound: round(referenceLoaded.throughput / bound.rps, 3),
    };

    console.log(
      `services run from               ${RUN_FROM === 'built' ? 'their build in dist/ (as deployed)' : 'TypeScript sources (BENCH_RUN_FROM=source)'}`,
    );
    console.log(`warm-up                         ${WARMUP} requests on each side before measuring`);
    line('pipeline, loaded', loaded);
    line('reference chain, loaded', referenceLoaded);
    line('pipeline, one at a time', single);
    line('reference chain, one at a time', referenceSingle);
    console.log(`events per request              pipeline ${JSON.stringify(events)}`);
    console.log(`                                reference ${JSON.stringify(referenceEvents)}`);
    console.log(`hop timeline (one at a time)   pipeline ${JSON.stringify(timeline.pipeline)}`);
    console.log(`  median ms after submission    reference ${JSON.stringify(timeline.reference)}`);
    console.log(
      `pipeline work per request   ${round(work.published)} publishes, ${round(work.delivered)} deliveries, ${round(work.appended)} store appends`,
    );
    console.log(
      `unit costs                  append ${round(costs.appendUs)} us, publish ${round(costs.publishUs)} us, sign ${round(costs.signUs)} us, consume+ack ${round(costs.consumeUs)} us, verify ${round(costs.verifyUs)} us`,
    );
    console.log(
      `essential-work bound        ${flow.eventCount} events x (append+sign+publish) + ${flow.neededDeliveries} needed deliveries x (consume+verify) = ${round(bound.perRequestUs)} us/request on ${cores} cores -> ${round(bound.rps)} req/s`,
    );
    console.log(
      `ratios                      throughput ${ratios.throughput} of reference; one-at-a-time p50 ${ratios.single_p50}x, p99 ${ratios.single_p99}x reference; ${ratios.of_bound} of the bound`,
    );
    if (history) {
      const { prefill, ...figures } = history;
      console.log(
        `history (${HISTORY} events)      prefilled ${prefill.rows} store rows and ${prefill.messages} stream messages in ${round(prefill.seconds)} s, idle after ${round(prefill.idleAfterSeconds)} s; start-up s ${JSON.stringify(prefill.startSeconds)}, retries ${JSON.stringify(prefill.startRetries)}; first request ${prefill.firstRequestMs} ms`,
      );
      line('  pipeline, loaded', history.runs.loaded);
      line('  reference chain, loaded', history.runs.referenceLoaded);
      line('  pipeline, one at a time', history.runs.single);
      line('  reference chain, one at a time', history.runs.referenceSingle);
      const { vs_reference: relative } = figures.ratios;
      console.log(
        `  vs empty                    throughput ${figures.ratios.throughput}, one-at-a-time p50 ${figures.ratios.single_p50}x; as fractions of the reference run beside each: throughput ${relative.throughput}, p50 ${relative.single_p50}x (reference's own drift ${relative.reference_throughput_drift})`,
      );
      console.log(
        `  CPU ms per request          loaded ${JSON.stringify(history.cpu.loaded)} reference ${JSON.stringify(history.cpu.referenceLoaded)}; one at a time ${JSON.stringify(history.cpu.single)} reference ${JSON.stringify(history.cpu.referenceSingle)}`,
      );
      console.log(
        `  RSS (MB)                    peak since the start ${JSON.stringify(figures.peak_rss_mb)}, after the runs ${JSON.stringify(figures.rss_after_runs_mb)}`,
      );
      console.log(
        `  started again               start-up s ${JSON.stringify(figures.restart.startSeconds)}, retries ${JSON.stringify(figures.restart.startRetries)}; first request ${figures.restart.firstRequestMs} ms, idle ${figures.restart.idleAfterSeconds} s after it`,
      );
    }
    console.log(`CPU ms per request (loaded)  pipeline ${JSON.stringify(cpu)} reference ${JSON.stringify(referenceCpu)}`);
    console.log(`  one at a time               pipeline ${JSON.stringify(singleCpu)} reference ${JSON.stringify(referenceSingleCpu)}`);
    console.log(`peak RSS (MB)               pipeline ${JSON.stringify(rss)} reference ${JSON.stringify(referenceRss)}`);
    console.log(
      JSON.stringify({
        loaded: figures(loaded),
        single: figures(single),
        reference: { loaded: figures(referenceLoaded), single: figures(referenceSingle) },
        ratios,
        essential_bound: {
          rps: round(bound.rps, 2),
          per_request_us: round(bound.perRequestUs),
          events: flow.eventCount,
          needed_deliveries: flow.neededDeliveries,
          unit_us: Object.fromEntries(Object.entries(costs).map(([key, value]) => [key, round(value, 2)])),
        },
        pipeline_work_per_request: {
          publishes: round(work.published, 2),
          deliveries: round(work.delivered, 2),
          appends: round(work.appended, 2),
        },
        single_hop_timeline_ms: timeline,
        peak_rss_mb: rss,
        reference_peak_rss_mb: referenceRss,
        cpu_ms_per_request: cpu,
        reference_cpu_ms_per_request: referenceCpu,
        cpu_ms_per_request_single: singleCpu,
        reference_cpu_ms_per_request_single: referenceSingleCpu,
        ...(history
          ? {
              history: {
                events: HISTORY,
                loaded: figures(history.runs.loaded),
                single: figures(history.runs.single),
                reference: { loaded: figures(history.runs.referenceLoaded), single: figures(history.runs.referenceSingle) },
                ratios_to_empty: history.ratios,
                cpu_ms_per_request: history.cpu,
                peak_rss_mb: history.peak_rss_mb,
                rss_after_runs_mb: history.rss_after_runs_mb,
                prefill: history.prefill,
                restart: history.restart,
              },
            }
          : {}),
        run_from: RUN_FROM,
        warmup: WARMUP,
        requests: N,
        single_requests: SINGLE_N,
        concurrency: CONCURRENCY,
        cores,
      }),
    );
  } finally {
    await chain.stop();
    await stack.shutdown();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
