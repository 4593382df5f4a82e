import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runPolicyTests } from './policy-test';
import { policyDir, POLICIES_DIR, readJson } from './testing/bundle.fixtures';

describe('runPolicyTests', () => {
  it('passes the example policies in deploy/policies with their fixtures', () => {
    const report = runPolicyTests(POLICIES_DIR);
    expect(report.errors).toStrictEqual([]);
    expect(report.cases.filter((result) => result.mismatches.length > 0)).toStrictEqual([]);
    expect(report.ok).toBe(true);
    expect(report.cases.length).toBeGreaterThan(5);
  });

  it('fails on a case whose outcome differs, saying what differs and where the case is', () => {
    const fixtures = readJson(POLICIES_DIR, 'default.fixtures.json');
    const cases = fixtures['cases'] as Array<{ expect: Record<string, unknown> }>;
    cases[2]!.expect = { ...cases[2]!.expect, quorum: 3, approvers: { 'approver:dave': 'deny' } };
    const dir = policyDir({ 'default.fixtures.json': fixtures });
    const report = runPolicyTests(dir);
    expect(report.ok).toBe(false);
    const failed = report.cases.filter((result) => result.mismatches.length > 0);
    expect(failed.map((result) => [result.name, result.mismatches])).toStrictEqual([
      [
        'a production HTTP call needs two people from SRE, and security after ten minutes',
        ['quorum: expected 3, got 2', 'approvers.approver:dave: expected "deny", got "allow"'],
      ],
    ]);
    // The line of the case's opening brace, just above its name.
    const text = readFileSync(join(dir, 'default.fixtures.json'), 'utf8');
    expect(failed[0]!.line).toBe(text.split('\n').findIndex((row) => row.includes('"a production HTTP call')));
  });

  it('fails when a tier loses the step-up a case expects', () => {
    const policy = readJson(POLICIES_DIR, 'default.policy.json');
    const tiers = policy['tiers'] as Array<Record<string, unknown>>;
    const dir = policyDir({
      'default.policy.json': {
        ...policy,
        tiers: tiers.map((tier) => (tier['name'] === 'payments-critical' ? { ...tier, stepUp: false } : tier)),
      },
    });
    const failed = runPolicyTests(dir).cases.filter((result) => result.mismatches.length > 0);
    expect(failed.map((result) => result.mismatches)).toStrictEqual([
      ['stepUp: expected true, got false'],
      ['stepUp: expected true, got false'],
      ['stepUp: expected true, got false'],
      ['stepUp: expected true, got false'],
    ]);
  });

  it('fails on a policy no fixture file tests', () => {
    const dir = policyDir({ 'other.policy.json': readJson(POLICIES_DIR, 'default.policy.json') });
    expect(runPolicyTests(dir).errors).toStrictEqual([`${join(dir, 'other.policy.json')}: no *.fixtures.json tests this policy`]);
  });

  it('fails on a policy that does not load, naming file and line', () => {
    const dir = policyDir({ 'default.policy.json': '{\n  "label": "x",\n  "reviewBy": "soon"\n}\n' });
    const report = runPolicyTests(dir);
    expect(report.ok).toBe(false);
    expect(report.errors[0]).toContain(`${join(dir, 'default.policy.json')}:3:15: reviewBy:`);
  });

  it('fails on a fixture file that does not parse, naming file and line', () => {
    const fixtures = { ...readJson(POLICIES_DIR, 'default.fixtures.json'), policy: 'nope.json' };
    const dir = policyDir({ 'default.fixtures.json': fixtures });
    const report = runPolicyTests(dir);
    expect(report.errors[0]).toMatch(new RegExp(`^${join(dir, 'default.fixtures.json')}:3:\\d+: policy: a \\*\\.policy\\.json file name`));
  });
});
