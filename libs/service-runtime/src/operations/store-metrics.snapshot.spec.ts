import { decodeMetricsState, emptyMetricsState, encodeMetricsState, refusalKey, type MetricsState } from './store-metrics.snapshot';

function someState(): MetricsState {
  const state = emptyMetricsState();
  state.approvals.set('r1', { tier: 'one', requestedAt: 1_000, expiresAt: Number.NaN, votes: 2 });
  state.tiers.add('one');
  state.credentials.set('c1', 5_000).set('c2', Number.NaN);
  state.executions.set('succeeded', 7);
  state.refused.set(refusalKey('execution.refused', 'window_closed'), { type: 'execution.refused', reason: 'window_closed', count: 3 });
  state.violations = 1;
  return state;
}

/** As stored: through JSON text. */
const stored = (state: MetricsState): unknown => JSON.parse(JSON.stringify(encodeMetricsState(state)));

describe('the business metrics projection written down', () => {
  it('reads back as it was, times that were not numbers included', () => {
    expect(decodeMetricsState(stored(someState()))).toEqual(someState());
    expect(decodeMetricsState(stored(emptyMetricsState()))).toEqual(emptyMetricsState());
  });

  it.each<[string, (json: Record<string, unknown>) => void]>([
    ['a negative count', (json) => void (json['violations'] = -1)],
    ['a count that is not whole', (json) => void ((json['executions'] as Array<[string, number]>)[0]![1] = 1.5)],
    ['a refusal without its reason', (json) => void (json['refused'] as unknown[][])[0]!.splice(1, 1)],
    ['another field', (json) => void (json['extra'] = true)],
    ['a missing field', (json) => void delete json['tiers']],
  ])('is refused with %s', (_case, change) => {
    const json = stored(someState()) as Record<string, unknown>;
    change(json);
    expect(decodeMetricsState(json)).toBeUndefined();
  });
});
