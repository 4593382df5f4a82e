import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HomeLayout, loadRegistry } from './home';
import { provision } from './provision';

const deploy = (name: string) => JSON.parse(readFileSync(join(__dirname, '../../../../deploy', name), 'utf8')) as Record<string, unknown>;
const description = deploy('identities.json');
const targets = deploy('targets.json') as { targets: Array<Record<string, unknown>> };

describe('provisioning the target registry', () => {
  const homes: string[] = [];
  const home = () => {
    const dir = mkdtempSync(join(tmpdir(), 'countersign-targets-'));
    homes.push(dir);
    return dir;
  };
  afterAll(() => homes.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('writes every target and its facts into the registry intake reads, and the addresses the executor dials', () => {
    const dir = home();
    const result = provision({ description, targets, home: dir, addresses: { 'demo-target': 'http://127.0.0.1:1' } });
    expect(result.targets).toEqual(targets.targets.map((target) => target['name']));
    const registry = loadRegistry(dir);
    expect(registry.targets.find((target) => target.name === 'billing-api')).toMatchObject({
      environment: 'production',
      dataSensitivity: 'confidential',
      ownerTeam: 'billing',
      kinds: ['http.request'],
    });
    const addresses = JSON.parse(readFileSync(HomeLayout.targets(dir), 'utf8')) as Record<string, string>;
    expect(addresses['demo-target']).toBe('http://127.0.0.1:1');
    expect(addresses['demo-staging']).toBe('http://127.0.0.1:4380');
  });

  it('registers nothing without a registry, so intake rejects every target (fail closed)', () => {
    const dir = home();
    provision({ description, home: dir });
    expect(loadRegistry(dir).targets).toEqual([]);
  });

  it.each([
    ['an unknown requester', { targets: [{ ...targets.targets[0], requesters: ['mallory'] }] }, {}, /unknown requesters: mallory/],
    ['a target registered twice', { targets: [targets.targets[0], targets.targets[0]] }, {}, /registered twice/],
    ['an environment label that is not a name', { targets: [{ ...targets.targets[0], environment: 'Prod!' }] }, {}, /environment/],
    ['an address for an unregistered target', targets, { 'shadow-api': 'http://x' }, /does not list/],
  ])('refuses %s', (_why, registry, addresses, message) => {
    expect(() => provision({ description, targets: registry, addresses, home: home() })).toThrow(message);
  });
});
