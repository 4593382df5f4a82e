import type { CanonicalAction, RequestAcceptedV1 } from '@countersign/contracts';
import type { Authorization, Verdict } from '../authorization';
import { parsePolicy } from '../policy.parse';
import type { Policy } from '../policy.schema';

/** Test fixtures shared by the policy specs. Not exported from the library. */
export const NOW = '2026-11-21T10:00:00.000Z';
export const REQUEST_ID = '7d0e3a54-4a51-4b8e-9a55-3f7f0c1c2b10';

export const BASE_DOCUMENT = {
  label: 'test-1',
  reviewBy: '2026-12-31',
  authorization: 'test.cedar',
  defaults: { pendingTtlSeconds: 900, executionWindowSeconds: 600 },
  approvers: {
    finance: ['approver:alice', 'approver:bob', 'approver:carol'],
    sre: ['approver:alice', 'approver:bob', 'approver:dave'],
  },
  tiers: [
    { name: 'low-risk', match: { kinds: ['http.request'], environments: ['dev', 'staging'] }, mode: 'auto' },
    {
      name: 'payments-high',
      match: { kinds: ['payment.transfer'], minAmount: { EUR: '10000', USD: '11000' } },
      mode: 'quorum',
      quorum: 2,
      groups: ['finance'],
    },
    {
      name: 'restricted-data',
      match: { dataSensitivity: ['restricted'] },
      mode: 'quorum',
      quorum: 3,
      groups: ['sre', 'finance'],
      pendingTtlSeconds: 3600,
    },
    {
      name: 'production-change',
      match: { environments: ['production'] },
      mode: 'quorum',
      quorum: 2,
      groups: ['sre'],
      executionWindowSeconds: 300,
    },
  ],
  fallback: { quorum: 2, groups: ['sre', 'finance'] },
};

export function policyFrom(document: unknown): Policy {
  const parsed = parsePolicy(JSON.stringify(document), 'test.policy.json');
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.policy;
}

export function acceptedWith(action: Partial<CanonicalAction>): Pick<RequestAcceptedV1, 'action'> {
  return {
    action: {
      kind: 'http.request',
      target: 'billing-api',
      environment: 'staging',
      dataSensitivity: 'internal',
      ownerTeam: 'billing',
      targetAddress: 'http://billing-api.internal:8080',
      parameters: {},
      window: { notBefore: NOW, notAfter: '2026-11-21T11:00:00.000Z' },
      requestId: REQUEST_ID,
      ...action,
    },
  };
}

const allow = (id: string): Verdict => ({ allowed: true, policies: [id] });

/** Cedar said yes to everything: the requester may ask, the policy may auto-approve, everyone may vote. */
export function allowAll(policy: Pick<Policy, 'approvers'>, overrides: Partial<Authorization> = {}): Authorization {
  const everyone = Object.values(policy.approvers).flat();
  return {
    request: allow('ask'),
    autoApprove: allow('auto'),
    approve: Object.fromEntries(everyone.map((id) => [id, allow('vote')])),
    ...overrides,
  };
}
