import type { NatsConnection } from 'nats';
import { SERVICE_NAMES } from '@countersign/contracts';
import type { Stack } from '@countersign/stack';
import { round } from './driver';
import { historyRatios, type CaseRuns } from './history-ratios';
import { prefillHistory, restartTimed } from './history';
import { currentRss, peakRss, stackPids, waitIdle } from './rss';
import { pipelineTarget, run, runWithCpu, type Target } from './targets';

export interface HistorySizes {
  events: number;
  warmup: number;
  requests: number;
  singleRequests: number;
  concurrency: number;
}

/**
 * Pre-fills every store and stream, starts the services (timed), measures the pipeline again with a
 * freshly started reference chain interleaved (both warmed up as in the empty case), then stops and
 * starts the services once more (timed, from their snapshots).
 */
export async function historyRun(
  stack: Stack,
  provisioner: NatsConnection,
  /** Starts the reference chain afresh: its target, and the processes (hops and bus) whose CPU is read. */
  freshReference: () => Promise<{ target: Target; pids: Record<string, number> }>,
  empty: CaseRuns,
  sizes: HistorySizes,
) {
  const filled = await prefillHistory(stack, provisioner, sizes.events);
  const pids = stackPids(stack.home, SERVICE_NAMES);
  // Start-up replays (schedules, custody index) read the whole history once; measure after them.
  const idleAfterSeconds = await waitIdle(pids);
  const target = await pipelineTarget(stack);
  // The first request after a start folds what is first read lazily (the requester's budget ledger).
  const firstRequestMs = round((await run(target, 1, 1)).p50);
  await run(target, sizes.warmup, sizes.concurrency);
  // The services were started again for this case and warmed up; the reference chain is too, so its
  // runs beside them are not taken after thousands more requests than in the empty case.
  const reference = await freshReference();
  await run(reference.target, sizes.warmup, sizes.concurrency);
  const cpuPids = { ...pids, ...stack.nats.pids() };
  const measured = {
    loaded: await runWithCpu(target, sizes.requests, sizes.concurrency, cpuPids),
    referenceLoaded: await runWithCpu(reference.target, sizes.requests, sizes.concurrency, reference.pids),
    single: await runWithCpu(target, sizes.singleRequests, 1, cpuPids),
    referenceSingle: await runWithCpu(reference.target, sizes.singleRequests, 1, reference.pids),
  };
  const runs = eachRun(measured, ({ result }) => result) satisfies CaseRuns;
  // CPU per request with the history, to set beside the empty case's: more work, or more waiting?
  const cpu = eachRun(measured, ({ cpu: perProcess }) => perProcess);
  await Promise.all([target.nc.close(), reference.target.nc.close()]);
  // The peak since the start includes its replays; the resident size now is what the load holds.
  const peak = peakRss(pids);
  const resident = currentRss(pids);
  const restart = { ...(await restartTimed(stack)), ...(await firstAfterRestart(stack)) };
  return {
    runs,
    ratios: historyRatios(empty, runs),
    cpu,
    peak_rss_mb: peak,
    rss_after_runs_mb: resident,
    prefill: { ...filled, idleAfterSeconds: round(idleAfterSeconds), firstRequestMs },
    restart,
  };
}

/** The same field of each of a case's four runs. */
function eachRun<R, T>(runs: Record<keyof CaseRuns, R>, pick: (run: R) => T): Record<keyof CaseRuns, T> {
  return {
    loaded: pick(runs.loaded),
    referenceLoaded: pick(runs.referenceLoaded),
    single: pick(runs.single),
    referenceSingle: pick(runs.referenceSingle),
  };
}

/** After the second start: the first request's latency, and how long the services' background start-up replays then keep them busy. */
async function firstAfterRestart(stack: Stack): Promise<{ firstRequestMs: number; idleAfterSeconds: number }> {
  const target = await pipelineTarget(stack);
  const firstRequestMs = round((await run(target, 1, 1)).p50);
  await target.nc.close();
  const idleAfterSeconds = round(await waitIdle(stackPids(stack.home, SERVICE_NAMES)));
  return { firstRequestMs, idleAfterSeconds };
}
