import type { Run } from './driver';
import { historyRatios, type CaseRuns } from './history-ratios';

const at = (throughput: number, p50: number): Run => ({ requests: 1, concurrency: 1, seconds: 1, throughput, p50, p99: p50 });

describe("the history bench's ratios to the empty case", () => {
  it('takes out a drift of the machine that the reference chain measured beside each case', () => {
    const empty: CaseRuns = { loaded: at(20, 0), referenceLoaded: at(100, 0), single: at(0, 60), referenceSingle: at(0, 20) };
    // A machine 10% slower for both: the pipeline kept its share of the reference.
    const history: CaseRuns = { loaded: at(18, 0), referenceLoaded: at(90, 0), single: at(0, 66), referenceSingle: at(0, 22) };
    expect(historyRatios(empty, history)).toEqual({
      throughput: 0.9,
      single_p50: 1.1,
      vs_reference: { throughput: 1, single_p50: 1, reference_throughput_drift: 0.9 },
    });
  });

  it('shows a slowdown of the pipeline alone as such', () => {
    const empty: CaseRuns = { loaded: at(20, 0), referenceLoaded: at(100, 0), single: at(0, 60), referenceSingle: at(0, 20) };
    const history: CaseRuns = { loaded: at(14, 0), referenceLoaded: at(100, 0), single: at(0, 90), referenceSingle: at(0, 20) };
    expect(historyRatios(empty, history)).toEqual({
      throughput: 0.7,
      single_p50: 1.5,
      vs_reference: { throughput: 0.7, single_p50: 1.5, reference_throughput_drift: 1 },
    });
  });
});
