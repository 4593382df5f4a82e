import type { CanonicalAction } from '@countersign/contracts';
import { evaluatePolicy } from './policy.evaluate';
import { acceptedWith, allowAll, BASE_DOCUMENT, NOW, policyFrom } from './testing/policy.fixtures';

const policy = policyFrom(BASE_DOCUMENT);

describe('evaluatePolicy: amounts per currency', () => {
  const strict = policyFrom({ ...BASE_DOCUMENT, strictestTier: 'payments-high' });
  const decide = (action: Partial<CanonicalAction>, document = strict) =>
    evaluatePolicy(document, acceptedWith(action), NOW, allowAll(document));
  const jpy = (value: string) => ({ value, currency: 'JPY' });

  it('judges an amount by its own currency: 100000 JPY is not 100000 EUR', () => {
    const transfer = (amount: CanonicalAction['amount']) => decide({ kind: 'payment.transfer', environment: 'production', amount });
    expect(transfer({ value: '100000', currency: 'EUR' }).stamp.tier).toBe('payments-high');
    // JPY is named nowhere in BASE_DOCUMENT: the strictest tier, with the rule saying why.
    const { stamp } = transfer(jpy('100000'));
    expect([stamp.tier, stamp.rules.slice(0, 2)]).toStrictEqual([
      'payments-high',
      ['tier:payments-high', 'amount:currency-not-in-policy=JPY'],
    ]);
  });

  it('never auto-approves an amount in a currency the policy does not name, even where an auto tier matches', () => {
    const decision = decide({ kind: 'http.request', environment: 'staging', amount: jpy('1') });
    expect([decision.stamp.tier, decision.mode]).toStrictEqual(['payments-high', 'quorum']);
  });

  it('sends such an amount to the human fallback when the policy names no strictest tier', () => {
    const decision = decide({ kind: 'http.request', environment: 'staging', amount: jpy('1') }, policy);
    expect([decision.stamp.tier, decision.mode, decision.stamp.rules.includes('amount:currency-not-in-policy=JPY')]).toStrictEqual([
      'default',
      'quorum',
      true,
    ]);
  });

  it('lets an amountless request through where no tier would look at the amount', () => {
    expect(decide({ kind: 'http.request', environment: 'staging' }).stamp.tier).toBe('low-risk');
  });

  it('refuses a strictest tier that does not exist or is auto, naming the field', () => {
    for (const strictestTier of ['nope', 'low-risk']) {
      expect(() => policyFrom({ ...BASE_DOCUMENT, strictestTier })).toThrow(/strictestTier.*invalid_strictest_tier/);
    }
  });
});

describe('evaluatePolicy: change intent', () => {
  const intentPolicy = policyFrom({
    ...BASE_DOCUMENT,
    changeIntent: { ticketPattern: '^CHG-[0-9]{3,8}$' },
    tiers: BASE_DOCUMENT.tiers.map((tier) =>
      tier.name === 'production-change' ? { ...tier, requires: ['ticket', 'rollbackPlan'] } : tier,
    ),
  });
  const decide = (intent: CanonicalAction['intent']) =>
    evaluatePolicy(intentPolicy, acceptedWith({ environment: 'production', ...(intent ? { intent } : {}) }), NOW, allowAll(intentPolicy));

  it('lets a request that carries what the tier requires go to people', () => {
    expect(decide({ ticket: 'CHG-1042', rollbackPlan: 'revert the deploy' }).mode).toBe('quorum');
  });

  it.each([
    ['no intent at all', undefined, ['intent:missing=ticket', 'intent:missing=rollbackPlan']],
    ['no rollback plan', { ticket: 'CHG-1042' }, ['intent:missing=rollbackPlan']],
    ['a ticket in another format', { ticket: 'JIRA-7', rollbackPlan: 'revert' }, ['intent:ticket-pattern']],
  ] as const)('refuses %s, stamping what is missing', (_why, intent, rules) => {
    const decision = decide(intent);
    expect(decision.mode).toBe('refused');
    expect(decision.stamp.rules.filter((rule) => rule.startsWith('intent:'))).toStrictEqual(rules);
    expect(decision.eligibleApprovers).toStrictEqual([]);
  });

  it('asks nothing of tiers that require nothing', () => {
    expect(evaluatePolicy(intentPolicy, acceptedWith({}), NOW, allowAll(intentPolicy)).mode).toBe('auto');
  });
});
