import { fold } from '@countersign/decider';
import { countedEntries } from './budget-window';
import { budgetDecider, type ClaimBudget } from './budget.decide';
import { BudgetEventTypes, type BudgetEvent } from './budget.events';
import { budgetSnapshots } from './budget.snapshot';
import { recordedAdmission, type BudgetState } from './budget.state';

const T0 = Date.parse('2026-11-21T10:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();

/** A requester's ledger after `count` submissions, one every 100 ms; every tenth is still pending, every seventh joined one. */
function ledger(count: number): BudgetEvent[] {
  const events: BudgetEvent[] = [];
  for (let n = 0; n < count; n += 1) {
    const claimed = { submissionId: `sub-${n}`, requestId: `req-${n}`, tier: n % 3 === 0 ? 'auto' : 'production-change', at: at(n * 100) };
    if (n % 7 === 6) {
      events.push({ type: BudgetEventTypes.Joined, data: { ...claimed, joinedRequestId: `req-${n - 1}` } });
      continue;
    }
    events.push({ type: BudgetEventTypes.Admitted, data: { ...claimed, joinDigest: `digest-${n}` } });
    if (n % 10 !== 0) events.push({ type: BudgetEventTypes.Released, data: { requestId: `req-${n}`, at: claimed.at } });
  }
  return events;
}

const throughJson = (state: BudgetState): BudgetState | undefined =>
  budgetSnapshots.decode(JSON.parse(JSON.stringify(budgetSnapshots.encode(state))) as unknown);

const claim = (n: number, now: string): ClaimBudget => ({
  type: 'ClaimBudget',
  submissionId: `sub-${n}`,
  requestId: `req-${n}`,
  joinDigest: `digest-${n}`,
  tier: 'production-change',
  joins: true,
  submissionsPerMinute: 400,
  pendingApprovals: 300,
  now,
});

describe('budget ledger snapshots', () => {
  const history = ledger(2_000);
  const folded = fold(budgetDecider, history);
  const restored = throughJson(folded) as BudgetState;

  it('give back the state folding gives: the window, oldest first, and the pending requests', () => {
    expect(countedEntries(restored.recent)).toEqual(countedEntries(folded.recent));
    expect(restored.recent.perTier).toEqual(folded.recent.perTier);
    expect(restored.pending).toEqual(folded.pending);
    expect(countedEntries(folded.recent)).toHaveLength(600);
  });

  it('decide and fold on exactly as the folded state does', () => {
    const later = ledger(2_300).slice(history.length);
    const onward = (state: BudgetState) => later.reduce(budgetDecider.evolve, state);
    expect(countedEntries(onward(restored).recent)).toEqual(countedEntries(onward(folded).recent));
    for (const [n, now] of [
      [2_500, at(200_000)],
      [1_990, at(199_000)],
      [1_995, at(199_500)],
    ] as const) {
      expect(budgetDecider.decide(claim(n, now), restored)).toEqual(budgetDecider.decide(claim(n, now), folded));
      expect(recordedAdmission(restored, `sub-${n}`)).toEqual(recordedAdmission(folded, `sub-${n}`));
    }
  });

  it('refuse what they would not have written', () => {
    const encoded = budgetSnapshots.encode(folded) as { recent: object[]; pending: object[] };
    expect(budgetSnapshots.decode({ ...encoded, extra: 1 })).toBeUndefined();
    expect(budgetSnapshots.decode({ ...encoded, recent: [{ submissionId: 'sub-1', tier: 'auto', at: 'yesterday' }] })).toBeUndefined();
    expect(budgetSnapshots.decode({ ...encoded, recent: [{ submissionId: 'sub-1', tier: 'auto', at: at(0), atMs: 5 }] })).toBeUndefined();
    expect(budgetSnapshots.decode({ recent: encoded.recent })).toBeUndefined();
    expect(budgetSnapshots.decode(null)).toBeUndefined();
  });
});
