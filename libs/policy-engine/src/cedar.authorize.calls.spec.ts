import { join } from 'node:path';
import type * as Cedar from '@cedar-policy/cedar-wasm/nodejs';
import { selectRoute } from '@countersign/policy';
import { loadPolicyBundleOrThrow } from './bundle';
import { authorize } from './cedar.authorize';
import { SCHEMA_ID } from './cedar.compile';
import { runPolicyTests } from './policy-test';
import { acceptedWith, NOW, POLICIES_DIR } from './testing/bundle.fixtures';

// The real Cedar, each call it is asked recorded (nothing is answered in its place).
jest.mock('@cedar-policy/cedar-wasm/nodejs', () => {
  const real = jest.requireActual<typeof Cedar>('@cedar-policy/cedar-wasm/nodejs');
  return { ...real, statefulIsAuthorized: jest.fn(real.statefulIsAuthorized) };
});
const cedar = jest.requireMock<{ statefulIsAuthorized: jest.Mock<Cedar.AuthorizationAnswer, [Cedar.StatefulAuthorizationCall]> }>(
  '@cedar-policy/cedar-wasm/nodejs',
);
const real = jest.requireActual<typeof Cedar>('@cedar-policy/cedar-wasm/nodejs');

describe('the Cedar calls authorize makes', () => {
  beforeEach(() => cedar.statefulIsAuthorized.mockClear());

  it('conform to the schema: asked with the request and entities validated against it, Cedar answers the same', () => {
    const report = runPolicyTests(POLICIES_DIR);
    expect(report.ok).toBe(true);
    const calls = cedar.statefulIsAuthorized.mock.calls.map(([call]) => call);
    expect(calls.length).toBeGreaterThan(20);
    for (const call of calls) {
      const unchecked = real.statefulIsAuthorized(call);
      const checked = real.statefulIsAuthorized({ ...call, preparsedSchemaName: SCHEMA_ID, validateRequest: true });
      // Reasons sorted: Cedar gives them in hash-set order.
      const sorted = (answer: Cedar.AuthorizationAnswer) =>
        answer.type === 'success'
          ? { ...answer.response, diagnostics: { ...answer.response.diagnostics, reason: answer.response.diagnostics.reason.sort() } }
          : answer.type;
      expect([call.action, sorted(unchecked)]).toStrictEqual([call.action, sorted(checked)]);
    }
  });

  it('ask Cedar once for requests that differ only in their id, and again when anything else differs', () => {
    const bundle = loadPolicyBundleOrThrow(join(POLICIES_DIR, 'default.policy.json'));
    const ask = (requestId: string, requester: string, action: Parameters<typeof acceptedWith>[1]) => {
      const accepted = { ...acceptedWith(requester, action), requestId };
      const route = selectRoute(bundle.policy, accepted.action, NOW);
      const { request, autoApprove } = authorize(bundle.cedar, bundle.policy, { accepted, requesterOwner: 'dave', personOf: {}, route });
      return [request.allowed, autoApprove.allowed];
    };
    const first = ask('r-1', 'memo-bot', {});
    const asked = cedar.statefulIsAuthorized.mock.calls.length;
    expect(ask('r-2', 'memo-bot', {})).toStrictEqual(first);
    expect(cedar.statefulIsAuthorized.mock.calls.length).toBe(asked);
    expect(ask('r-3', 'memo-bot', { environment: 'production' })).toStrictEqual([true, false]);
    expect(ask('r-4', 'other-bot', {})).toStrictEqual(first);
    expect(cedar.statefulIsAuthorized.mock.calls.length).toBe(asked + 4);
  });
});
