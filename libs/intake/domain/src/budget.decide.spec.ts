import { DeciderSpecification } from '@countersign/decider/testing';
import { admissionOf, budgetDecider, budgetStreamFor, type ClaimBudget } from './budget.decide';
import { BudgetEventTypes, type BudgetEvent } from './budget.events';
import { BUDGET_WINDOW_MS, initialBudgetState, recordedAdmission } from './budget.state';
import { fold } from '@countersign/decider';

const spec = DeciderSpecification(budgetDecider);
const T0 = '2026-11-21T10:00:00.000Z';
const at = (seconds: number) => new Date(Date.parse(T0) + seconds * 1000).toISOString();
const sub = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const req = (n: number) => `10000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

const claim = (n: number, overrides: Partial<ClaimBudget> = {}): ClaimBudget => ({
  type: 'ClaimBudget',
  submissionId: sub(n),
  requestId: req(n),
  joinDigest: `digest-${n}`,
  tier: 'production-change',
  joins: true,
  submissionsPerMinute: 3,
  pendingApprovals: 2,
  now: T0,
  ...overrides,
});

const admitted = (n: number, time = T0, tier = 'production-change'): BudgetEvent => ({
  type: BudgetEventTypes.Admitted,
  data: { submissionId: sub(n), requestId: req(n), tier, at: time, joinDigest: `digest-${n}` },
});
const joined = (n: number, into: number, time = T0): BudgetEvent => ({
  type: BudgetEventTypes.Joined,
  data: { submissionId: sub(n), requestId: req(n), tier: 'production-change', at: time, joinedRequestId: req(into) },
});
const released = (n: number, time = T0): BudgetEvent => ({ type: BudgetEventTypes.Released, data: { requestId: req(n), at: time } });

describe('budget ledger decider', () => {
  it('admits a submission within both budgets and records its join digest', () => {
    spec
      .given([])
      .when(claim(1))
      .then([admitted(1)]);
  });

  it('refuses once the pending-approvals budget of the tier is used up', () => {
    spec
      .given([admitted(1), admitted(2)])
      .when(claim(3))
      .then([
        {
          type: BudgetEventTypes.Refused,
          data: { submissionId: sub(3), requestId: req(3), tier: 'production-change', at: T0, budget: 'pendingApprovals', limit: 2 },
        },
      ]);
  });

  it('admits again once a pending request is released', () => {
    spec
      .given([admitted(1), admitted(2), released(1)])
      .when(claim(3))
      .then([admitted(3)]);
  });

  it('refuses beyond the submissions-per-minute budget, released requests and joins included', () => {
    spec
      .given([admitted(1), released(1), admitted(2), joined(4, 2)])
      .when(claim(3, { pendingApprovals: 10 }))
      .then([
        {
          type: BudgetEventTypes.Refused,
          data: { submissionId: sub(3), requestId: req(3), tier: 'production-change', at: T0, budget: 'submissionsPerMinute', limit: 3 },
        },
      ]);
  });

  it('counts only the last minute: a submission a minute old no longer counts', () => {
    const full = [admitted(1), released(1), admitted(2), released(2), admitted(4), released(4)];
    const later = at(BUDGET_WINDOW_MS / 1000);
    spec
      .given(full)
      .when(claim(3, { now: later }))
      .then([admitted(3, later)]);
    const justBefore = at(BUDGET_WINDOW_MS / 1000 - 0.001);
    const [refused] = budgetDecider.decide(claim(3, { now: justBefore }), fold(budgetDecider, full));
    expect(refused?.type).toBe(BudgetEventTypes.Refused);
  });

  it('counts each tier apart', () => {
    spec
      .given([admitted(1), admitted(2)])
      .when(claim(3, { tier: 'low-risk' }))
      .then([admitted(3, T0, 'low-risk')]);
  });

  it('joins a pending request with the same join digest instead of opening another, even with the pending budget used up', () => {
    spec
      .given([admitted(1), admitted(2)])
      .when(claim(3, { joinDigest: 'digest-1' }))
      .then([joined(3, 1)]);
  });

  it('does not join in a tier no person decides (auto): the same action asked twice runs twice', () => {
    spec
      .given([admitted(1)])
      .when(claim(3, { joinDigest: 'digest-1', joins: false }))
      .then([{ ...admitted(3), data: { ...admitted(3).data, joinDigest: 'digest-1' } } as BudgetEvent]);
  });

  it('does not join a request that is no longer pending', () => {
    spec
      .given([admitted(1), released(1)])
      .when(claim(3, { joinDigest: 'digest-1' }))
      .then([{ ...admitted(3), data: { ...admitted(3).data, joinDigest: 'digest-1' } } as BudgetEvent]);
  });

  it('decides nothing new for a submission it already counted (redelivery)', () => {
    spec
      .given([admitted(1)])
      .when(claim(1))
      .thenNothingHappened();
    spec
      .given([admitted(1), joined(3, 1)])
      .when(claim(3, { joinDigest: 'digest-1' }))
      .thenNothingHappened();
  });

  it('releases only a pending request, once', () => {
    spec
      .given([admitted(1)])
      .when({ type: 'ReleaseBudget', requestId: req(1), now: T0 })
      .then([released(1)]);
    spec
      .given([admitted(1), released(1)])
      .when({ type: 'ReleaseBudget', requestId: req(1), now: T0 })
      .thenNothingHappened();
    spec
      .given([])
      .when({ type: 'ReleaseBudget', requestId: req(9), now: T0 })
      .thenNothingHappened();
  });

  it("releases only the named submission's slot when one is named", () => {
    const twin = { ...admitted(2), data: { ...admitted(2).data, requestId: req(1) } } as BudgetEvent;
    const release = { type: 'ReleaseBudget' as const, requestId: req(1), submissionId: sub(2), now: T0 };
    const freed: BudgetEvent = { type: BudgetEventTypes.Released, data: { requestId: req(1), at: T0, submissionId: sub(2) } };
    spec
      .given([admitted(1), twin])
      .when(release)
      .then([freed]);
    expect(fold(budgetDecider, [admitted(1), twin, freed]).pending.map((entry) => entry.submissionId)).toEqual([sub(1)]);
  });

  it('stays bounded: a flood of refusals keeps nothing, admissions leave the window after a minute', () => {
    const flood: BudgetEvent[] = [admitted(1), admitted(2)];
    for (let n = 3; n < 1000; n += 1) flood.push(...budgetDecider.decide(claim(n), fold(budgetDecider, flood.slice(0, 2))));
    const state = fold(budgetDecider, [...flood, released(1, at(61)), released(2, at(61))]);
    expect(state).toEqual(initialBudgetState());
  });

  it('tells the request decider its verdict, now or on redelivery', () => {
    expect(admissionOf(joined(3, 1))).toEqual({ verdict: 'joined', joinedRequestId: req(1) });
    const state = fold(budgetDecider, [admitted(1), joined(3, 1)]);
    expect(recordedAdmission(state, sub(1))).toEqual({ verdict: 'admitted' });
    expect(recordedAdmission(state, sub(3))).toEqual({ verdict: 'joined', joinedRequestId: req(1) });
    expect(recordedAdmission(state, sub(5))).toBeUndefined();
  });

  it('keeps one ledger per requester, with room for one per run', () => {
    expect(budgetStreamFor('requester:deploy-bot')).toBe('budget-requester:deploy-bot');
    expect(budgetStreamFor('requester:deploy-bot', 'run-7')).toBe('budget-requester:deploy-bot~run-run-7');
  });
});
