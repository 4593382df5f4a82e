import type { CanonicalAction } from '@countersign/contracts';
import { evaluatePolicy } from './policy.evaluate';
import { acceptedWith, allowAll, BASE_DOCUMENT, NOW, policyFrom } from './policy.fixtures';
import { REVIEW_OVERDUE_RULE } from './policy.route';

const policy = policyFrom(BASE_DOCUMENT);
const usd = (value: string) => ({ value, currency: 'USD' });

interface Routing {
  desc: string;
  action: Partial<CanonicalAction>;
  tier: string;
  mode: 'auto' | 'quorum';
  quorum: number;
  rules: string[];
  approvers: string[];
}

describe('evaluatePolicy routing', () => {
  const finance = ['approver:alice', 'approver:bob', 'approver:carol'];
  const sre = ['approver:alice', 'approver:bob', 'approver:dave'];
  const everyone = ['approver:alice', 'approver:bob', 'approver:dave', 'approver:carol'];
  const scenarios: Routing[] = [
    {
      desc: 'staging http call is low risk and auto-approved',
      action: {},
      tier: 'low-risk',
      mode: 'auto',
      quorum: 1,
      approvers: [],
      rules: ['tier:low-risk', 'match:kind=http.request', 'match:environment=staging'],
    },
    {
      desc: 'the same call in production is a production change (first tier does not match)',
      action: { environment: 'production' },
      tier: 'production-change',
      mode: 'quorum',
      quorum: 2,
      approvers: sre,
      rules: ['tier:production-change', 'match:environment=production'],
    },
    {
      desc: 'a transfer of exactly the threshold is high',
      action: { kind: 'payment.transfer', amount: usd('10000') },
      tier: 'payments-high',
      mode: 'quorum',
      quorum: 2,
      approvers: finance,
      rules: ['tier:payments-high', 'match:kind=payment.transfer', 'match:amount>=10000'],
    },
    {
      desc: 'a transfer a hundredth below the threshold is not high, and staging has no tier for it: fallback',
      action: { kind: 'payment.transfer', amount: usd('9999.99') },
      tier: 'default',
      mode: 'quorum',
      quorum: 2,
      approvers: everyone,
      rules: ['tier:default', 'match:none'],
    },
    {
      desc: 'a transfer without an amount never meets minAmount',
      action: { kind: 'payment.transfer' },
      tier: 'default',
      mode: 'quorum',
      quorum: 2,
      approvers: everyone,
      rules: ['tier:default', 'match:none'],
    },
    {
      desc: 'the first matching tier wins: a high production transfer is payments-high, not production-change',
      action: { kind: 'payment.transfer', environment: 'production', amount: usd('250000.50') },
      tier: 'payments-high',
      mode: 'quorum',
      quorum: 2,
      approvers: finance,
      rules: ['tier:payments-high', 'match:kind=payment.transfer', 'match:amount>=10000'],
    },
    {
      desc: 'restricted data in dev: low-risk matches first, order is the author’s responsibility',
      action: { environment: 'dev', dataSensitivity: 'restricted' },
      tier: 'low-risk',
      mode: 'auto',
      quorum: 1,
      approvers: [],
      rules: ['tier:low-risk', 'match:kind=http.request', 'match:environment=dev'],
    },
    {
      desc: 'restricted data on an unknown kind reaches the restricted-data tier',
      action: { kind: 'db.migrate', dataSensitivity: 'restricted' },
      tier: 'restricted-data',
      mode: 'quorum',
      quorum: 3,
      approvers: everyone,
      rules: ['tier:restricted-data', 'match:dataSensitivity=restricted'],
    },
    {
      desc: 'an unknown environment matches nothing and is never auto',
      action: { environment: 'qa' },
      tier: 'default',
      mode: 'quorum',
      quorum: 2,
      approvers: everyone,
      rules: ['tier:default', 'match:none'],
    },
  ];

  it.each(scenarios)('$desc', ({ action, tier, mode, quorum, rules, approvers }) => {
    const decision = evaluatePolicy(policy, acceptedWith(action), NOW, allowAll(policy));
    const cedar = ['cedar:Request:allow:ask', ...(mode === 'auto' ? ['cedar:AutoApprove:allow:auto'] : [])];
    expect(decision.stamp).toStrictEqual({ version: policy.version, label: 'test-1', tier, rules: [...rules, ...cedar] });
    expect({ mode: decision.mode, quorum: decision.quorum, approvers: decision.eligibleApprovers }).toStrictEqual({
      mode,
      quorum,
      approvers,
    });
  });
});

describe('evaluatePolicy timing', () => {
  it('uses the defaults for TTL and execution window', () => {
    const decision = evaluatePolicy(policy, acceptedWith({ environment: 'dev' }), NOW, allowAll(policy));
    expect(decision.pendingExpiresAt).toBe('2026-11-21T10:15:00.000Z');
    expect(decision.executionWindowSeconds).toBe(600);
  });

  it('uses tier overrides', () => {
    const prod = evaluatePolicy(policy, acceptedWith({ environment: 'production' }), NOW, allowAll(policy));
    expect(prod.executionWindowSeconds).toBe(300);
    const restricted = evaluatePolicy(policy, acceptedWith({ kind: 'db.migrate', dataSensitivity: 'restricted' }), NOW, allowAll(policy));
    expect(restricted.pendingExpiresAt).toBe('2026-11-21T11:00:00.000Z');
  });

  it('never keeps an approval pending past the end of the request window', () => {
    const window = { notBefore: NOW, notAfter: '2026-11-21T10:05:00.000Z' };
    const decision = evaluatePolicy(policy, acceptedWith({ environment: 'production', window }), NOW, allowAll(policy));
    expect(decision.pendingExpiresAt).toBe('2026-11-21T10:05:00.000Z');
  });
});

describe('evaluatePolicy after reviewBy (fail closed)', () => {
  it.each<[string, boolean, string]>([
    // [now, overdue, why]
    ['2026-12-31T23:59:59.999Z', false, 'the whole reviewBy day is still in time'],
    ['2027-01-01T00:00:00.000Z', true, 'the day after reviewBy is overdue'],
  ])('at %s overdue=%s (%s)', (now, overdue) => {
    const decision = evaluatePolicy(policy, acceptedWith({}), now, allowAll(policy));
    expect(decision.mode).toBe(overdue ? 'quorum' : 'auto');
    expect(decision.stamp.rules.includes(REVIEW_OVERDUE_RULE)).toBe(overdue);
  });

  it('turns an auto tier into the fallback’s people, keeping the tier name', () => {
    const decision = evaluatePolicy(policy, acceptedWith({}), '2027-02-01T00:00:00.000Z', allowAll(policy));
    expect(decision).toMatchObject({
      stamp: {
        tier: 'low-risk',
        rules: ['tier:low-risk', 'match:kind=http.request', 'match:environment=staging', 'cedar:Request:allow:ask', REVIEW_OVERDUE_RULE],
      },
      mode: 'quorum',
      quorum: 2,
      eligibleGroups: ['sre', 'finance'],
    });
  });

  it('still marks human tiers as overdue so the stamp tells reviewers', () => {
    const decision = evaluatePolicy(policy, acceptedWith({ environment: 'production' }), '2027-02-01T00:00:00.000Z', allowAll(policy));
    expect(decision.mode).toBe('quorum');
    expect(decision.stamp.rules).toStrictEqual([
      'tier:production-change',
      'match:environment=production',
      'cedar:Request:allow:ask',
      REVIEW_OVERDUE_RULE,
    ]);
  });
});

describe('evaluatePolicy with an empty match', () => {
  it('a catch-all tier matches everything and says so', () => {
    const catchAll = policyFrom({ ...BASE_DOCUMENT, tiers: [{ name: 'all', match: {}, mode: 'quorum', quorum: 1, groups: ['sre'] }] });
    expect(evaluatePolicy(catchAll, acceptedWith({}), NOW, allowAll(policy)).stamp.rules).toStrictEqual([
      'tier:all',
      'match:any',
      'cedar:Request:allow:ask',
    ]);
  });
});
