import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInProcess } from '../testing/in-process';

const POLICIES = join(__dirname, '../../../../deploy/policies');

const cli = (argv: string[]) => runInProcess(argv);

/** A copy of deploy/policies next to a copy of the target registry its fixtures name (../targets.json). */
function copyOfPolicies(): string {
  const root = mkdtempSync(join(tmpdir(), 'countersign-cli-policies-'));
  cpSync(join(POLICIES, '..', 'targets.json'), join(root, 'targets.json'));
  const dir = join(root, 'policies');
  cpSync(POLICIES, dir, { recursive: true });
  return dir;
}

describe('countersign policy test', () => {
  it('passes the shipped policies and says so, case by case', async () => {
    const result = await cli(['policy', 'test', POLICIES]);
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^ {2}ok {4}default\.fixtures\.json:\d+ {2}a staging HTTP call/m);
    expect(result.out).toMatch(/\d+ cases: \d+ passed, 0 failed\nok\n$/);
  });

  it('exits 1 on a mismatch, printing what differs', async () => {
    const dir = copyOfPolicies();
    const file = join(dir, 'default.fixtures.json');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace(
        '"mode": "quorum",\n        "rules": ["amount:missing"]',
        '"mode": "auto",\n        "rules": ["amount:missing"]',
      ),
    );
    const result = await cli(['policy', 'test', dir]);
    expect(result.code).toBe(1);
    expect(result.out).toContain('FAIL  default.fixtures.json:');
    expect(result.out).toContain('mode: expected "auto", got "quorum"');
  });

  it('exits 1 on a broken policy, naming file and line', async () => {
    const dir = copyOfPolicies();
    const file = join(dir, 'default.policy.json');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace('"quorum": 2,\n      "groups": ["finance"]', '"quorum": 12,\n      "groups": ["finance"]'),
    );
    const result = await cli(['policy', 'test', dir, '--json']);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.out) as { ok: boolean; errors: string[] };
    expect(report.ok).toBe(false);
    expect(report.errors[0]).toMatch(new RegExp(`^${file}:\\d+:\\d+: tiers\\.2\\.quorum: `));
  });

  it('answers a missing folder or action with exit 2', async () => {
    expect((await cli(['policy', 'test', '/nonexistent/policies'])).code).toBe(2);
    expect(await cli(['policy', 'check', POLICIES])).toMatchObject({
      code: 2,
      err: expect.stringContaining("unknown policy action 'check'"),
    });
  });
});
