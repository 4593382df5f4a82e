import { round, type Run } from './driver';

/** The four runs of one case, pipeline and reference chain interleaved as the empty case runs them. */
export interface CaseRuns {
  loaded: Run;
  single: Run;
  referenceLoaded: Run;
  referenceSingle: Run;
}

/**
 * The history case against the empty one. Raw ratios compare runs taken about 15 minutes apart on a
 * shared machine, which can drift by more than the 10% goal; a reference chain (its own empty
 * stores), started afresh and warmed up as the services are, runs again beside the history case, so
 * each case is also read as a fraction of the reference measured in the same minutes, and the ratio
 * of those two fractions is the machine's drift taken out (`vs_reference`), along with any change
 * of the reference's own between the cases (docs/operations.md, round 15).
 */
export function historyRatios(empty: CaseRuns, history: CaseRuns) {
  const loadedShare = (runs: CaseRuns) => runs.loaded.throughput / runs.referenceLoaded.throughput;
  const singleShare = (runs: CaseRuns) => runs.single.p50 / runs.referenceSingle.p50;
  return {
    throughput: round(history.loaded.throughput / empty.loaded.throughput, 3),
    single_p50: round(history.single.p50 / empty.single.p50, 2),
    vs_reference: {
      throughput: round(loadedShare(history) / loadedShare(empty), 3),
      single_p50: round(singleShare(history) / singleShare(empty), 2),
      reference_throughput_drift: round(history.referenceLoaded.throughput / empty.referenceLoaded.throughput, 3),
    },
  };
}
