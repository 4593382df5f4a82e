import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluatePolicy } from './policy.evaluate';
import { acceptedWith, allowAll, BASE_DOCUMENT, NOW } from './testing/policy.fixtures';
import { formatPolicyErrors, parsePolicy, policyVersion } from './policy.parse';

const DEFAULT_FILE = join(__dirname, '../../../deploy/policies/default.policy.json');

const withTier = (index: number, patch: object) => ({
  ...BASE_DOCUMENT,
  tiers: BASE_DOCUMENT.tiers.map((tier, i) => (i === index ? { ...tier, ...patch } : tier)),
});

describe('parsePolicy', () => {
  it('accepts a valid document and stamps its version and source', () => {
    const text = JSON.stringify(BASE_DOCUMENT);
    const parsed = parsePolicy(text, 'test.policy.json');
    expect(parsed.ok && { version: parsed.policy.version, source: parsed.policy.source }).toStrictEqual({
      version: policyVersion(text),
      source: 'test.policy.json',
    });
  });

  it('fills an absent fallback with two people from every group', () => {
    const { fallback: _omitted, ...document } = BASE_DOCUMENT;
    const parsed = parsePolicy(JSON.stringify(document), 'p.json');
    expect(parsed.ok && parsed.policy.fallback).toStrictEqual({ quorum: 2, groups: ['finance', 'sre'] });
  });

  it.each([
    // [why, document, expected errors as path/code]
    ['broken JSON', '{"label": ', [['(root)', 'invalid_json']]],
    ['missing label', { ...BASE_DOCUMENT, label: undefined }, [['label', 'invalid_type']]],
    ['reviewBy not a date', { ...BASE_DOCUMENT, reviewBy: 'next spring' }, [['reviewBy', 'invalid_format']]],
    ['float amount', withTier(1, { match: { minAmount: { EUR: 10000 } } }), [['tiers.1.match.minAmount.EUR', 'invalid_type']]],
    ['amount with a comma', withTier(1, { match: { minAmount: { EUR: '10,000' } } }), [['tiers.1.match.minAmount.EUR', 'invalid_format']]],
    ['unknown mode', withTier(0, { mode: 'yolo' }), [['tiers.0.mode', 'invalid_value']]],
    ['typo in a match key', withTier(0, { match: { environment: ['dev'] } }), [['tiers.0.match', 'unrecognized_keys']]],
    ['tier named default', withTier(0, { name: 'default' }), [['tiers.0.name', 'custom']]],
    ['approver of the wrong kind', { ...BASE_DOCUMENT, approvers: { sre: ['requester:deploy-bot'] } }, [['approvers.sre.0', 'custom']]],
    ['quorum tier without quorum', withTier(1, { quorum: undefined }), [['tiers.1.quorum', 'required']]],
    ['quorum tier without groups', withTier(1, { groups: undefined }), [['tiers.1.groups', 'required']]],
    ['auto tier with groups', withTier(0, { groups: ['sre'] }), [['tiers.0.groups', 'not_allowed']]],
    ['unknown group', withTier(1, { groups: ['finance', 'treasury'] }), [['tiers.1.groups.1', 'unknown_group']]],
    ['quorum larger than the people available', withTier(1, { quorum: 4 }), [['tiers.1.quorum', 'quorum_unreachable']]],
    ['duplicate tier names', withTier(1, { name: 'low-risk' }), [['tiers.1.name', 'duplicate_tier']]],
    ['unreachable fallback', { ...BASE_DOCUMENT, fallback: { quorum: 5, groups: ['sre'] } }, [['fallback.quorum', 'quorum_unreachable']]],
    [
      'no approvers at all',
      { ...BASE_DOCUMENT, tiers: [], approvers: {}, fallback: undefined },
      [
        ['approvers', 'empty'],
        ['fallback.quorum', 'quorum_unreachable'],
      ],
    ],
    [
      'execution window over 24h',
      { ...BASE_DOCUMENT, defaults: { pendingTtlSeconds: 900, executionWindowSeconds: 90000 } },
      [['defaults.executionWindowSeconds', 'too_big']],
    ],
  ])('refuses %s, naming the field', (_why, document, expected) => {
    const text = typeof document === 'string' ? document : JSON.stringify(document);
    const parsed = parsePolicy(text, 'bad.policy.json');
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.errors.map((error) => [error.path, error.code])).toStrictEqual(expected);
    expect(parsed.errors.every((error) => error.file === 'bad.policy.json')).toBe(true);
  });

  it('formats errors one per line with file and path', () => {
    const text = JSON.stringify(withTier(1, { quorum: 4 }));
    const parsed = parsePolicy(text, 'p.json');
    expect(!parsed.ok && formatPolicyErrors(parsed.errors)).toBe(
      `p.json:1:${text.indexOf('"quorum":4') + 10}: tiers.1.quorum: quorum 4 can never be met: the groups have 3 distinct approvers (quorum_unreachable)`,
    );
  });

  it('names the line of the offending field in a formatted file', () => {
    const text = JSON.stringify(withTier(2, { quorum: 9 }), null, 2);
    const parsed = parsePolicy(text, 'p.json');
    const line = text.split('\n').findIndex((row) => row.includes('"quorum": 9')) + 1;
    expect(!parsed.ok && parsed.errors.map((error) => [error.path, error.line])).toStrictEqual([['tiers.2.quorum', line]]);
  });

  it('names the file and line of step-up on an auto tier', () => {
    const text = JSON.stringify(withTier(0, { stepUp: true }), null, 2);
    const parsed = parsePolicy(text, 'p.json');
    const rows = text.split('\n');
    const line = rows.findIndex((row) => row.includes('"stepUp": true')) + 1;
    const column = rows[line - 1]!.indexOf('true') + 1;
    expect(!parsed.ok && formatPolicyErrors(parsed.errors)).toBe(
      `p.json:${line}:${column}: tiers.0.stepUp: auto tiers take no vote, so there is nothing to step up: use mode quorum (not_allowed)`,
    );
  });

  it('names the line of a missing field as the line its object starts on', () => {
    const text = JSON.stringify(withTier(1, { quorum: undefined }), null, 2);
    const parsed = parsePolicy(text, 'p.json');
    const tierLine = text.split('\n').findIndex((row) => row.includes('"payments-high"')); // the line after the tier's `{`
    expect(!parsed.ok && parsed.errors[0]).toMatchObject({ path: 'tiers.1.quorum', code: 'required', line: tierLine });
  });

  it('names the line and column of a JSON syntax error', () => {
    const parsed = parsePolicy('{\n  "label": "x",\n  "tiers": [,]\n}', 'p.json');
    expect(!parsed.ok && formatPolicyErrors(parsed.errors)).toMatch(/^p\.json:3:13: \(root\): .* \(invalid_json\)$/);
  });
});

describe('parsePolicy: escalation, break-glass and authorization', () => {
  const escalation = { afterSeconds: 300, groups: ['finance'] };
  const review = { groups: ['finance'], deadlineSeconds: 86400 };
  const breakGlass = {
    name: 'emergency',
    match: { kinds: ['http.request'] },
    mode: 'quorum',
    quorum: 1,
    groups: ['sre'],
    breakGlass: true,
    review,
  };
  const withBreakGlass = (patch: object) => ({ ...BASE_DOCUMENT, tiers: [{ ...breakGlass, ...patch }, ...BASE_DOCUMENT.tiers] });

  it.each([
    ['an escalation on a quorum tier', withTier(3, { escalation })],
    ['an escalation on the fallback', { ...BASE_DOCUMENT, fallback: { ...BASE_DOCUMENT.fallback, escalation } }],
    ['a break-glass tier with its review', withBreakGlass({})],
    ['a review that escalates', withBreakGlass({ review: { ...review, escalation: { afterSeconds: 3600, groups: ['sre'] } } })],
    ['step-up on a quorum tier', withTier(1, { stepUp: true })],
    ['step-up on a break-glass tier', withBreakGlass({ stepUp: true })],
    ['step-up switched off on an auto tier', withTier(0, { stepUp: false })],
  ])('accepts %s', (_why, document) => {
    const parsed = parsePolicy(JSON.stringify(document), 'p.json');
    expect(parsed.ok ? [] : formatPolicyErrors(parsed.errors)).toStrictEqual([]);
  });

  it.each([
    ['no authorization file', { ...BASE_DOCUMENT, authorization: undefined }, [['authorization', 'invalid_type']]],
    ['an authorization path, not a file name', { ...BASE_DOCUMENT, authorization: '../x.cedar' }, [['authorization', 'invalid_format']]],
    [
      'escalation at or after the TTL',
      withTier(3, { escalation: { ...escalation, afterSeconds: 900 } }),
      [['tiers.3.escalation.afterSeconds', 'escalation_too_late']],
    ],
    [
      'escalation to an unknown group',
      withTier(3, { escalation: { ...escalation, groups: ['ops'] } }),
      [['tiers.3.escalation.groups.0', 'unknown_group']],
    ],
    ['escalation on an auto tier', withTier(0, { escalation }), [['tiers.0.escalation', 'not_allowed']]],
    ['break-glass on an auto tier', withTier(0, { breakGlass: true }), [['tiers.0.breakGlass', 'not_allowed']]],
    ['step-up on an auto tier', withTier(0, { stepUp: true }), [['tiers.0.stepUp', 'not_allowed']]],
    ['step-up that is not a boolean', withTier(1, { stepUp: 'yes' }), [['tiers.1.stepUp', 'invalid_type']]],
    [
      'break-glass without declared kinds',
      withBreakGlass({ match: { environments: ['production'] } }),
      [['tiers.0.match.kinds', 'required']],
    ],
    ['break-glass without a review', withBreakGlass({ review: undefined }), [['tiers.0.review', 'required']]],
    ['a review on an ordinary tier', withTier(3, { review }), [['tiers.3.review', 'not_allowed']]],
    [
      'a review by an unknown group',
      withBreakGlass({ review: { ...review, groups: ['audit'] } }),
      [['tiers.0.review.groups.0', 'unknown_group']],
    ],
    [
      'a review escalating after its deadline',
      withBreakGlass({ review: { ...review, escalation: { afterSeconds: 86400, groups: ['sre'] } } }),
      [['tiers.0.review.escalation.afterSeconds', 'escalation_too_late']],
    ],
  ])('refuses %s', (_why, document, expected) => {
    const parsed = parsePolicy(JSON.stringify(document), 'p.json');
    expect(parsed.ok ? [] : parsed.errors.map((error) => [error.path, error.code])).toStrictEqual(expected);
  });
});

describe('policyVersion', () => {
  const text = JSON.stringify(BASE_DOCUMENT);

  it('is sha256 of the canonical JSON, so formatting and key order do not change it', () => {
    const reordered = JSON.stringify(Object.fromEntries(Object.entries(BASE_DOCUMENT).reverse()), null, 2);
    expect(policyVersion(text)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(policyVersion(reordered)).toBe(policyVersion(text));
  });

  it('changes with any value', () => {
    expect(policyVersion(JSON.stringify(withTier(1, { quorum: 3 })))).not.toBe(policyVersion(text));
  });
});

describe('deploy/policies/default.policy.json', () => {
  const parsed = parsePolicy(readFileSync(DEFAULT_FILE, 'utf8'), 'default.policy.json');
  const policy = parsed.ok ? parsed.policy : undefined;

  it('is valid', () => {
    expect(parsed.ok ? [] : formatPolicyErrors(parsed.errors)).toStrictEqual([]);
  });

  it.each([
    // [action, tier, mode, quorum, approvers]
    [{ environment: 'staging' }, 'low-risk', 'auto', 1, []],
    [{ environment: 'dev' }, 'low-risk', 'auto', 1, []],
    [
      { kind: 'payment.transfer', environment: 'staging', amount: { value: '10000', currency: 'EUR' } },
      'payments-high',
      'quorum',
      2,
      ['approver:alice', 'approver:bob', 'approver:carol'],
    ],
    [{ environment: 'production' }, 'production-change', 'quorum', 2, ['approver:alice', 'approver:bob', 'approver:dave']],
    [
      { kind: 'payment.transfer', environment: 'staging', amount: { value: '5', currency: 'EUR' } },
      'default',
      'quorum',
      2,
      ['approver:alice', 'approver:bob', 'approver:dave', 'approver:carol'],
    ],
  ] as const)('routes %j to %s', (action, tier, mode, quorum, approvers) => {
    const decision = evaluatePolicy(policy!, acceptedWith(action), NOW, allowAll(policy!));
    expect([decision.stamp.tier, decision.mode, decision.quorum, decision.eligibleApprovers]).toStrictEqual([
      tier,
      mode,
      quorum,
      approvers,
    ]);
    expect(decision.pendingExpiresAt).toBe('2026-11-21T10:15:00.000Z');
    expect(decision.executionWindowSeconds).toBe(900);
  });

  it.each([
    // [action, tier, stepUp]
    [{ kind: 'payment.transfer', amount: { value: '100000', currency: 'EUR' } }, 'payments-critical', true],
    [{ kind: 'payment.transfer', amount: { value: '99999.99', currency: 'EUR' } }, 'payments-high', false],
    [{ environment: 'production', breakGlass: true }, 'production-break-glass', true],
    [{ environment: 'production' }, 'production-change', false],
    [{ environment: 'staging' }, 'low-risk', false],
  ] as const)('asks step-up for %j (%s): %s', (action, tier, stepUp) => {
    const decision = evaluatePolicy(policy!, acceptedWith(action), NOW, allowAll(policy!));
    expect([decision.stamp.tier, decision.stepUp]).toStrictEqual([tier, stepUp]);
  });
});
