import { join } from 'node:path';
import { formatPolicyErrors, policyVersion } from '@countersign/policy';
import { decideRequest, loadPolicyBundle } from './bundle';
import { acceptedWith, NOW, policyDir, POLICIES_DIR, readJson } from './testing/bundle.fixtures';
import { readFileSync } from 'node:fs';

const policyFile = (dir: string) => join(dir, 'default.policy.json');

describe('loadPolicyBundle', () => {
  it('loads deploy/policies/default.policy.json with the Cedar file it names', () => {
    const loaded = loadPolicyBundle(policyFile(POLICIES_DIR));
    expect(loaded.ok ? [] : formatPolicyErrors(loaded.errors)).toStrictEqual([]);
    expect(loaded.ok && loaded.bundle.files.cedar).toBe(join(POLICIES_DIR, 'default.cedar'));
  });

  it('versions both files together: a change to the Cedar text alone changes the version', () => {
    const original = loadPolicyBundle(policyFile(policyDir()));
    const cedar = `${readFileSync(join(POLICIES_DIR, 'default.cedar'), 'utf8')}\n// reviewed again\n`;
    const changed = loadPolicyBundle(policyFile(policyDir({ 'default.cedar': cedar })));
    const jsonText = readFileSync(join(POLICIES_DIR, 'default.policy.json'), 'utf8');
    expect(original.ok && original.bundle.policy.version).toBe(
      policyVersion(jsonText, readFileSync(join(POLICIES_DIR, 'default.cedar'), 'utf8')),
    );
    expect(changed.ok && changed.bundle.policy.version).not.toBe(original.ok && original.bundle.policy.version);
    expect(changed.ok && changed.bundle.policy.version).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('names the file and line of a broken tier file', () => {
    const document = readJson(POLICIES_DIR, 'default.policy.json');
    const tiers = document['tiers'] as Array<Record<string, unknown>>;
    tiers[2] = { ...tiers[2], quorum: 7 };
    const dir = policyDir({ 'default.policy.json': document });
    const loaded = loadPolicyBundle(policyFile(dir));
    const text = readFileSync(policyFile(dir), 'utf8');
    const line = text.split('\n').findIndex((row) => row.includes('"quorum": 7')) + 1;
    expect(!loaded.ok && formatPolicyErrors(loaded.errors)).toMatch(
      new RegExp(`^${policyFile(dir)}:${line}:\\d+: tiers\\.2\\.quorum: quorum 7 can never be met`),
    );
  });

  it('names the Cedar file and line of a broken Cedar file', () => {
    const dir = policyDir({ 'default.cedar': '@id("a")\npermit (principal, action, resource)\nwhen { resource.nope };\n' });
    const loaded = loadPolicyBundle(policyFile(dir));
    expect(!loaded.ok && formatPolicyErrors(loaded.errors)).toMatch(new RegExp(`^${join(dir, 'default.cedar')}:3:8: policy "a": `));
  });

  it('names a missing Cedar file', () => {
    const document = { ...readJson(POLICIES_DIR, 'default.policy.json'), authorization: 'missing.cedar' };
    const dir = policyDir({ 'default.policy.json': document });
    const loaded = loadPolicyBundle(policyFile(dir));
    expect(!loaded.ok && formatPolicyErrors(loaded.errors)).toMatch(new RegExp(`^${join(dir, 'missing.cedar')}: \\(file\\): cannot read`));
  });
});

describe('decideRequest', () => {
  const loaded = loadPolicyBundle(policyFile(POLICIES_DIR));
  const bundle = loaded.ok ? loaded.bundle : undefined;

  it('stamps the Cedar policies that decided next to the tier rules', () => {
    const { decision } = decideRequest(bundle!, acceptedWith('deploy-bot', {}), { requesterOwner: undefined, personOf: {} }, NOW);
    expect(decision.stamp.rules).toStrictEqual([
      'tier:low-risk',
      'match:kind=http.request',
      'match:environment=staging',
      'match:dataSensitivity=internal',
      'cedar:Request:allow:registered-requesters-may-ask',
      'cedar:AutoApprove:allow:auto-approve-outside-production',
    ]);
  });

  it('keeps approvers Cedar refuses out of the eligible list, with the rule why', () => {
    const action = { kind: 'payment.transfer', environment: 'staging', amount: { value: '5', currency: 'EUR' } };
    const { decision } = decideRequest(bundle!, acceptedWith('payments-agent', action), { requesterOwner: 'dave', personOf: {} }, NOW);
    expect(decision.eligibleApprovers).toStrictEqual(['approver:alice', 'approver:bob', 'approver:carol']);
    expect(decision.refusedApprovers).toStrictEqual({ 'approver:dave': ['cedar:Approve:deny:payments-need-finance'] });
  });
});
