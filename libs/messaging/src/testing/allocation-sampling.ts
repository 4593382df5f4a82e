import { Session } from 'node:inspector';
import { PerformanceObserver } from 'node:perf_hooks';

/** What a measured part allocated (sampled) and how many garbage collections ran meanwhile. */
export interface Allocation {
  bytes: number;
  gcs: number;
}

interface SamplingProfile {
  samples: Array<{ size: number }>;
}

/**
 * Runs `work` under V8's sampling heap profiler, keeping the samples of objects collected before the
 * end too (includeObjectsCollectedBy…GC): bytes allocated, not bytes still live. One sample per
 * `intervalBytes` on average, so small parts are estimates. The profiler costs CPU: measure CPU in a
 * run without it.
 */
export async function sampledAllocation<T>(work: () => Promise<T>, intervalBytes = 4_096): Promise<{ result: T; allocation: Allocation }> {
  const session = new Session();
  session.connect();
  const post = (method: string, params: object = {}) =>
    new Promise<unknown>((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));
  let gcs = 0;
  const observer = new PerformanceObserver((list) => (gcs += list.getEntries().length));
  observer.observe({ entryTypes: ['gc'] });
  await post('HeapProfiler.enable');
  await post('HeapProfiler.startSampling', {
    samplingInterval: intervalBytes,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  try {
    const result = await work();
    const { profile } = (await post('HeapProfiler.stopSampling')) as { profile: SamplingProfile };
    return { result, allocation: { bytes: profile.samples.reduce((sum, sample) => sum + sample.size, 0), gcs } };
  } finally {
    observer.disconnect();
    session.disconnect();
  }
}
