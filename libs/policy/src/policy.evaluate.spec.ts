import type { CanonicalAction } from '@countersign/contracts';
import { evaluatePolicy } from './policy.evaluate';
import { acceptedWith, allowAll, BASE_DOCUMENT, NOW, policyFrom } from './testing/policy.fixtures';
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
      action: { kind: 'payment.transfer', amount: usd('11000') },
      tier: 'payments-high',
      mode: 'quorum',
      quorum: 2,
      approvers: finance,
      rules: ['tier:payments-high', 'match:kind=payment.transfer', 'match:amount.USD>=11000'],
    },
    {
      desc: 'a transfer a hundredth below the threshold is not high, and staging has no tier for it: fallback',
      action: { kind: 'payment.transfer', amount: usd('10999.99') },
      tier: 'default',
      mode: 'quorum',
      quorum: 2,
      approvers: everyone,
      rules: ['tier:default', 'match:none'],
    },
    {
      desc: 'a transfer without an amount, where a tier depends on one, goes to the strictest tier (here the fallback)',
      action: { kind: 'payment.transfer' },
      tier: 'default',
      mode: 'quorum',
      quorum: 2,
      approvers: everyone,
      rules: ['tier:default', 'match:none', 'amount:missing'],
    },
    {
      desc: 'the first matching tier wins: a high production transfer is payments-high, not production-change',
      action: { kind: 'payment.transfer', environment: 'production', amount: usd('250000.50') },
      tier: 'payments-high',
      mode: 'quorum',
      quorum: 2,
      approvers: finance,
      rules: ['tier:payments-high', 'match:kind=payment.transfer', 'match:amount.USD>=11000'],
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

describe('evaluatePolicy with Cedar’s answers', () => {
  const no = (id: string) => ({ allowed: false, policies: [id] });

  it('refuses a request Cedar does not let the requester make, naming the forbid', () => {
    const decision = evaluatePolicy(policy, acceptedWith({ environment: 'production' }), NOW, allowAll(policy, { request: no('no-prod') }));
    expect([decision.mode, decision.eligibleApprovers, decision.stamp.rules.at(-1)]).toStrictEqual([
      'refused',
      [],
      'cedar:Request:deny:no-prod',
    ]);
  });

  it('fails closed when Cedar could not decide', () => {
    const broken = { allowed: true, policies: ['ask'], errors: ['boom'] };
    const decision = evaluatePolicy(policy, acceptedWith({}), NOW, allowAll(policy, { request: broken }));
    expect([decision.mode, decision.stamp.rules.at(-1)]).toStrictEqual(['refused', 'cedar:Request:deny:error']);
  });

  it('sends an auto tier to the fallback’s people when Cedar refuses auto-approval', () => {
    const decision = evaluatePolicy(policy, acceptedWith({}), NOW, allowAll(policy, { autoApprove: no('not-here') }));
    expect([decision.mode, decision.quorum, decision.eligibleGroups, decision.stamp.rules.at(-1)]).toStrictEqual([
      'quorum',
      2,
      ['sre', 'finance'],
      'cedar:AutoApprove:deny:not-here',
    ]);
  });

  it('keeps approvers Cedar refuses (or never answered for) out, with the rules why', () => {
    const { 'approver:dave': _dave, ...approve } = allowAll(policy).approve;
    const decision = evaluatePolicy(policy, acceptedWith({ environment: 'production' }), NOW, {
      ...allowAll(policy),
      approve: { ...approve, 'approver:bob': no('not-bob') },
    });
    expect(decision.eligibleApprovers).toStrictEqual(['approver:alice']);
    expect(decision.refusedApprovers).toStrictEqual({
      'approver:bob': ['cedar:Approve:deny:not-bob'],
      'approver:dave': ['cedar:Approve:deny:error'],
    });
    expect(decision.approverRules).toStrictEqual({ 'approver:alice': ['cedar:Approve:allow:vote'] });
  });
});

describe('evaluatePolicy: escalation and break-glass', () => {
  const escalating = policyFrom({
    ...BASE_DOCUMENT,
    tiers: [
      {
        name: 'glass',
        match: { kinds: ['http.request'] },
        mode: 'quorum',
        quorum: 1,
        groups: ['sre'],
        breakGlass: true,
        review: { groups: ['finance'], deadlineSeconds: 3600 },
      },
      { ...BASE_DOCUMENT.tiers[3], escalation: { afterSeconds: 600, groups: ['finance'] } },
    ],
  });

  it('escalates to the added people only (Cedar still applies), at now + afterSeconds', () => {
    const decision = evaluatePolicy(escalating, acceptedWith({ environment: 'production' }), NOW, allowAll(escalating));
    expect(decision.escalation).toStrictEqual({
      escalatesAt: '2026-11-21T10:10:00.000Z',
      groups: ['finance'],
      eligibleApprovers: ['approver:carol'],
    });
  });

  it('drops an escalation that would come after the request window ends', () => {
    const window = { notBefore: NOW, notAfter: '2026-11-21T10:05:00.000Z' };
    const decision = evaluatePolicy(escalating, acceptedWith({ environment: 'production', window }), NOW, allowAll(escalating));
    expect(decision.escalation).toBeUndefined();
  });

  it('gives a break-glass tier only to requests that invoke break-glass, with the review it owes', () => {
    const ordinary = evaluatePolicy(escalating, acceptedWith({ environment: 'production' }), NOW, allowAll(escalating));
    const emergency = evaluatePolicy(escalating, acceptedWith({ environment: 'production', breakGlass: true }), NOW, allowAll(escalating));
    expect([ordinary.stamp.tier, ordinary.review]).toStrictEqual(['production-change', undefined]);
    expect([emergency.stamp.tier, emergency.quorum, emergency.stamp.rules.slice(0, 2), emergency.review]).toStrictEqual([
      'glass',
      1,
      ['tier:glass', 'breakglass'],
      { groups: ['finance'], reviewers: ['approver:alice', 'approver:bob', 'approver:carol'], deadlineSeconds: 3600 },
    ]);
  });

  it('routes a break-glass request no break-glass tier takes as usual, and says so', () => {
    const decision = evaluatePolicy(escalating, acceptedWith({ kind: 'db.migrate', breakGlass: true }), NOW, allowAll(escalating));
    expect([decision.stamp.tier, decision.stamp.rules.slice(0, 3), decision.review]).toStrictEqual([
      'default',
      ['tier:default', 'match:none', 'breakglass:unavailable'],
      undefined,
    ]);
  });
});

describe('evaluatePolicy: step-up', () => {
  const stepUp = policyFrom({
    ...BASE_DOCUMENT,
    tiers: [
      {
        name: 'glass',
        match: { kinds: ['http.request'] },
        mode: 'quorum',
        quorum: 1,
        groups: ['sre'],
        breakGlass: true,
        review: { groups: ['finance'], deadlineSeconds: 3600 },
        stepUp: true,
      },
      {
        name: 'payments-critical',
        match: { kinds: ['payment.transfer'], minAmount: { EUR: '100000', USD: '110000' } },
        mode: 'quorum',
        quorum: 2,
        groups: ['finance'],
        stepUp: true,
      },
      { ...BASE_DOCUMENT.tiers[0], stepUp: false },
      ...BASE_DOCUMENT.tiers.slice(1),
    ],
  });
  const decide = (action: Parameters<typeof acceptedWith>[0], authorization = allowAll(stepUp)) =>
    evaluatePolicy(stepUp, acceptedWith(action), NOW, authorization);

  it.each([
    ['a step-up tier asks for it', { kind: 'payment.transfer', amount: { value: '100000', currency: 'EUR' } }, 'payments-critical', true],
    ['a break-glass tier with step-up asks for it', { environment: 'production', breakGlass: true }, 'glass', true],
    [
      'a quorum tier without it does not',
      { kind: 'payment.transfer', amount: { value: '99999', currency: 'EUR' } },
      'payments-high',
      false,
    ],
    ['an auto tier never does', { environment: 'staging' }, 'low-risk', false],
    ['the fallback never does', { kind: 'db.migrate', environment: 'qa' }, 'default', false],
    ['break-glass no break-glass tier takes is routed as usual', { kind: 'db.migrate', breakGlass: true }, 'default', false],
  ] as const)('%s', (_why, action, tier, expected) => {
    const decision = decide(action);
    expect([decision.stamp.tier, decision.stepUp]).toStrictEqual([tier, expected]);
  });

  it('is not asked of a request Cedar refuses: nobody votes on it', () => {
    const refused = decide(
      { kind: 'payment.transfer', amount: { value: '100000', currency: 'EUR' } },
      allowAll(stepUp, { request: { allowed: false, policies: ['no'] } }),
    );
    expect([refused.stamp.tier, refused.mode, refused.stepUp]).toStrictEqual(['payments-critical', 'refused', false]);
  });
});
