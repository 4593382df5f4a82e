import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IdentityDescription, Registry } from './description';
import { registeredTargets } from './provision';

const DEPLOY = join(__dirname, '..', '..', '..', '..', 'deploy');
const readJson = (file: string): unknown => JSON.parse(readFileSync(join(DEPLOY, file), 'utf8')) as unknown;
const description = readJson('identities.json') as IdentityDescription;
const targets = readJson('targets.json') as { targets: Array<{ name: string; requesters: string[] }> };

const scope = { name: 'deploy-staging', kinds: ['http.request'], targets: ['demo-staging'], environments: ['staging'] };
const workload = { agent: 'claude-code', environment: 'staging', taskScopes: [scope] };
/** payments-agent (http.request in staging and production) registered as an agent workload. */
const withWorkload = (block: unknown = workload) => ({
  ...description,
  requesters: description.requesters.map((requester) =>
    requester.name === 'payments-agent' ? { ...requester, workload: block } : requester,
  ),
});
const issues = (candidate: unknown) => {
  const parsed = IdentityDescription.safeParse(candidate);
  return parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
};

describe('agent workloads in the identity description and the registry', () => {
  it('takes a workload block and keeps it in the registry intake reads', () => {
    const parsed = IdentityDescription.parse(withWorkload());
    const registry = Registry.parse({ environment: 'development', requesters: parsed.requesters, approvers: [], targets: [] });
    expect(registry.requesters.find((requester) => requester.name === 'payments-agent')?.workload).toEqual(workload);
  });

  it.each([
    [
      'a scope kind the requester may not ask for',
      { ...workload, taskScopes: [{ ...scope, kinds: ['ssh.command'] }] },
      'requesters.1.workload.taskScopes.0.kinds: not in allowedKinds: ssh.command',
    ],
    [
      'a scope environment the requester may not act in',
      { ...workload, taskScopes: [{ ...scope, environments: ['dev'] }] },
      'requesters.1.workload.taskScopes.0.environments: not in allowedEnvironments: dev',
    ],
    [
      'the same scope twice',
      { ...workload, taskScopes: [scope, scope] },
      'requesters.1.workload.taskScopes.1.name: task scope deploy-staging twice',
    ],
    ['no scope at all', { ...workload, taskScopes: [] }, 'requesters.1.workload.taskScopes: Too small: expected array to have >=1 items'],
    ['an unknown field', { ...workload, admin: true }, 'requesters.1.workload: Unrecognized key: "admin"'],
  ])('refuses %s', (_case, block, issue) => {
    expect(issues(withWorkload(block))).toEqual([issue]);
  });

  it('refuses at provisioning a scope naming a target that does not admit the workload', () => {
    const parsed = IdentityDescription.parse(withWorkload({ ...workload, taskScopes: [{ ...scope, targets: ['customer-db'] }] }));
    expect(() => registeredTargets(parsed, { targets })).toThrow(
      'task scope deploy-staging of payments-agent names targets that do not admit it: customer-db',
    );
    expect(() => registeredTargets(IdentityDescription.parse(withWorkload()), { targets })).not.toThrow();
  });
});
