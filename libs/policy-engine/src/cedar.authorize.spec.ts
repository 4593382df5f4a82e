import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { selectRoute } from '@countersign/policy';
import { loadPolicyBundleOrThrow } from './bundle';
import { authorize, cedarDecimal } from './cedar.authorize';
import { compileCedar, type CompiledCedar } from './cedar.compile';
import { acceptedWith, NOW, POLICIES_DIR, REQUEST_ID } from './testing/bundle.fixtures';

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

/** Every answer read, as plain data. */
const answers = (authorization: ReturnType<typeof authorize>) => JSON.parse(JSON.stringify(authorization)) as unknown;

function compiled(extra: string, setId: string): CompiledCedar {
  const text = `${readFileSync(join(POLICIES_DIR, 'default.cedar'), 'utf8')}\n${extra}`;
  const result = compileCedar(text, 'spec.cedar', setId);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.cedar;
}

describe('authorize asks each question with the entities it can reach', () => {
  // Policies that read the requester's owner through the request, the approver's person and its groups.
  const reaching = compiled(
    `@id("no-self-approval")
forbid (principal is Approver, action == Action::"Approve", resource is Request)
when { resource.requester has owner && principal.person == resource.requester.owner };

@id("owned-requesters-only-auto")
forbid (principal is Policy, action == Action::"AutoApprove", resource is Request)
unless { resource.requester has owner && principal.label == "default-2026-11" };

@id("sre-not-for-money")
forbid (principal in Group::"sre", action == Action::"Approve", resource is Request)
when { resource has amount && !(principal in Group::"finance") };`,
    'authorize-spec-reaching',
  );
  const personOf = { 'approver:alice': 'alice', 'approver:bob': 'bob', 'approver:carol': 'carol', 'approver:dave': 'dave' };
  const payment = { kind: 'payment.transfer', target: 'vendor-bank', amount: { value: '25000', currency: 'EUR' } };

  it.each<[string, Parameters<typeof acceptedWith>[1], string | undefined]>([
    ['staging, owned by dave', {}, 'dave'],
    ['staging, no owner', {}, undefined],
    ['production', { environment: 'production' }, 'carol'],
    ['a payment', payment, 'dave'],
    ['a payment on restricted data', { ...payment, dataSensitivity: 'restricted' }, 'alice'],
    ['an amount Cedar cannot represent', { ...payment, amount: { value: '999999999999999', currency: 'EUR' } }, 'dave'],
  ])('%s: the same answers as asked with every entity', (_case, action, owner) => {
    const accepted = acceptedWith('payments-agent', action);
    const facts = { accepted, requesterOwner: owner, personOf, route: selectRoute(bundle.policy, accepted.action, NOW) };
    const reached = answers(authorize(reaching, bundle.policy, facts));
    expect(reached).toStrictEqual(answers(authorize({ ...reaching, namesEntities: true }, bundle.policy, facts)));
    expect(reached).toMatchObject({ request: { allowed: expect.any(Boolean) as unknown } });
  });

  it('reads the owner and the person: an approver who owns the requester may not approve it', () => {
    const accepted = acceptedWith('deploy-bot', {});
    const facts = { accepted, requesterOwner: 'dave', personOf, route: selectRoute(bundle.policy, accepted.action, NOW) };
    const { approve, autoApprove } = authorize(reaching, bundle.policy, facts);
    expect([approve['approver:dave'], approve['approver:bob']?.allowed, autoApprove.allowed]).toStrictEqual([
      { allowed: false, policies: ['no-self-approval'] },
      true,
      true,
    ]);
  });

  it("never answers one request with another's answer when a policy names a request by id", () => {
    const named = compiled(
      `@id("not-this-one")\nforbid (principal, action, resource == Request::"${REQUEST_ID}");`,
      'authorize-spec-named',
    );
    const ask = (requestId: string) => {
      const accepted = { ...acceptedWith('deploy-bot', {}), requestId };
      return authorize(named, bundle.policy, { accepted, ...people, route: selectRoute(bundle.policy, accepted.action, NOW) }).request;
    };
    expect([ask(REQUEST_ID), ask('another-request'), ask(REQUEST_ID)].map((verdict) => verdict.allowed)).toStrictEqual([
      false,
      true,
      false,
    ]);
  });
});
