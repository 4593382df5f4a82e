import { budgetsFor, DEFAULT_BUDGETS } from './policy.budgets';
import { acceptedWith, BASE_DOCUMENT, NOW, policyFrom } from './testing/policy.fixtures';
import { parsePolicy } from './policy.parse';

const staging = acceptedWith({}).action;
const production = acceptedWith({ environment: 'production' }).action;
const unmatched = acceptedWith({ kind: 'ssh.command', environment: 'dev' }).action;

describe('budgetsFor', () => {
  it('falls back to the built-in defaults when the policy sets none', () => {
    expect(budgetsFor(policyFrom(BASE_DOCUMENT), staging, NOW)).toEqual({ tier: 'low-risk', peopleDecide: false, ...DEFAULT_BUDGETS });
  });

  it("takes the policy's budgets, then the tier's, field by field", () => {
    const policy = policyFrom({
      ...BASE_DOCUMENT,
      budgets: { submissionsPerMinute: 30, pendingApprovals: 5 },
      tiers: BASE_DOCUMENT.tiers.map((tier) => (tier.name === 'production-change' ? { ...tier, budgets: { pendingApprovals: 2 } } : tier)),
      fallback: { ...BASE_DOCUMENT.fallback, budgets: { submissionsPerMinute: 4 } },
    });
    const people = { peopleDecide: true };
    const runs = { runSubmissionsPerMinute: 30, runPendingApprovals: 3 };
    expect(budgetsFor(policy, production, NOW)).toEqual({
      tier: 'production-change',
      ...people,
      submissionsPerMinute: 30,
      pendingApprovals: 2,
      ...runs,
    });
    expect(budgetsFor(policy, staging, NOW)).toEqual({
      tier: 'low-risk',
      peopleDecide: false,
      submissionsPerMinute: 30,
      pendingApprovals: 5,
      ...runs,
    });
    expect(budgetsFor(policy, unmatched, NOW)).toEqual({
      tier: 'default',
      ...people,
      submissionsPerMinute: 4,
      pendingApprovals: 5,
      ...runs,
    });
  });

  it('lets people decide an auto tier once the policy is overdue, so identical requests join there too', () => {
    expect(budgetsFor(policyFrom(BASE_DOCUMENT), staging, '2027-01-01T00:00:00.000Z').peopleDecide).toBe(true);
  });

  it('refuses a budget that is not a positive whole number or is out of range', () => {
    for (const budgets of [{ pendingApprovals: 0 }, { submissionsPerMinute: 1.5 }, { submissionsPerMinute: 10_001 }, { perHour: 3 }]) {
      expect(parsePolicy(JSON.stringify({ ...BASE_DOCUMENT, budgets }), 'p.json').ok).toBe(false);
    }
  });
});
