import { join } from 'node:path';
import { selectRoute } from '@countersign/policy';
import { loadPolicyBundleOrThrow } from './bundle';
import { authorize, cedarDecimal } from './cedar.authorize';
import { acceptedWith, NOW, POLICIES_DIR } from './testing/bundle.fixtures';

const bundle = loadPolicyBundleOrThrow(join(POLICIES_DIR, 'default.policy.json'));
const people = { requesterOwner: 'dave', personOf: {} };

function ask(requester: string, action: Parameters<typeof acceptedWith>[1]) {
  const accepted = acceptedWith(requester, action);
  const route = selectRoute(bundle.policy, accepted.action, NOW);
  return authorize(bundle.cedar, bundle.policy, { accepted, ...people, route });
}

describe('authorize with deploy/policies/default.cedar', () => {
  const payment = { kind: 'payment.transfer', target: 'vendor-bank', amount: { value: '25000', currency: 'EUR' } };

  it('lets a registered requester ask, naming the permit', () => {
    expect(ask('deploy-bot', {}).request).toStrictEqual({ allowed: true, policies: ['registered-requesters-may-ask'] });
  });

  it('refuses a payment on restricted data, naming the forbid', () => {
    expect(ask('payments-agent', { ...payment, dataSensitivity: 'restricted' }).request).toStrictEqual({
      allowed: false,
      policies: ['no-payments-with-restricted-data'],
    });
  });

  it('answers for every approver of the policy: only finance may approve money', () => {
    const { approve } = ask('payments-agent', payment);
    expect(Object.fromEntries(Object.entries(approve).map(([id, verdict]) => [id, [verdict.allowed, ...verdict.policies]]))).toStrictEqual({
      'approver:alice': [true, 'group-members-may-approve'],
      'approver:bob': [true, 'group-members-may-approve'],
      'approver:carol': [true, 'group-members-may-approve'],
      'approver:dave': [false, 'payments-need-finance'],
    });
  });

  it.each([
    ['staging', true, {}, ['auto-approve-outside-production']],
    ['production', false, { environment: 'production' }, []],
    ['anything with an amount', false, { ...payment, amount: { value: '1', currency: 'EUR' } }, ['never-auto-approve-money']],
  ])('auto-approval in %s: allowed=%s', (_where, allowed, action, policies) => {
    expect(ask('deploy-bot', action).autoApprove).toStrictEqual({ allowed, policies });
  });

  it('fails closed on an amount Cedar cannot represent: every answer is deny, with the error', () => {
    const answers = ask('payments-agent', { ...payment, amount: { value: '999999999999999', currency: 'EUR' } });
    expect([answers.request, answers.autoApprove, answers.approve['approver:alice']].map((verdict) => verdict?.allowed)).toStrictEqual([
      false,
      false,
      false,
    ]);
    expect(answers.request.errors?.[0]).toMatch(/overflow/);
  });

  it('fails closed when the preparsed policy set is gone', () => {
    const accepted = acceptedWith('deploy-bot', {});
    const route = selectRoute(bundle.policy, accepted.action, NOW);
    const answers = authorize({ ...bundle.cedar, setId: 'never-preparsed' }, bundle.policy, { accepted, ...people, route });
    expect(answers.request.allowed).toBe(false);
    expect(answers.request.errors?.length).toBeGreaterThan(0);
  });

  it.each([
    ['10000', '10000.0'],
    ['12.5', '12.5'],
  ])('writes amount %s as the Cedar decimal %s', (value, decimal) => {
    expect(cedarDecimal(value)).toBe(decimal);
  });
});
