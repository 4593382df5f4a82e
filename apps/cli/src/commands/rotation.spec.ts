import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HomeLayout, loadIdentity, loadTrustStore, provision, TrustStoreDocument } from '@countersign/identity';
import { runInProcess } from '../testing/in-process';

const DEPLOY = join(__dirname, '..', '..', '..', '..', 'deploy');
const readJson = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8')) as unknown;

const cli = (argv: string[]) => runInProcess(argv);

describe('countersign keys rotate / trust rotate', () => {
  const home = mkdtempSync(join(tmpdir(), 'countersign-rotate-'));
  const description = readJson(join(DEPLOY, 'identities.json'));
  provision({ home, description, targets: readJson(join(DEPLOY, 'targets.json')) });
  const out = join(home, 'approval.public.json');

  it('given a provisioned approval service, when its signing key rotates and the provisioner takes it, then the new key is active and the old one retired after the overlap', async () => {
    const before = loadIdentity(home, 'service:approval').signing;
    const rotated = await cli(['--home', home, '--json', 'keys', 'rotate', '--id', 'service:approval', '--out', out]);
    expect(rotated).toMatchObject({ code: 0, err: '' });
    const after = loadIdentity(home, 'service:approval').signing;
    expect(after.keyId).not.toBe(before.keyId);
    expect(statSync(HomeLayout.identity(home, 'service:approval')).mode & 0o777).toBe(0o600);
    expect(readFileSync(out, 'utf8')).not.toContain(after.privateKey);

    const started = Date.now();
    const trusted = await cli(['--home', home, 'trust', 'rotate', '--id', 'service:approval', '--new', out, '--overlap', '5m']);
    expect(trusted).toMatchObject({ code: 0, err: '' });
    const keys = loadTrustStore(home).document.identities.find((identity) => identity.id === 'service:approval')!.signingKeys;
    expect(keys.map(({ keyId, status }) => ({ keyId, status }))).toEqual([
      { keyId: before.keyId, status: 'retired' },
      { keyId: after.keyId, status: 'active' },
    ]);
    const retiredAt = Date.parse(keys[0]!.retiredAt!);
    expect(retiredAt).toBeGreaterThanOrEqual(started + 5 * 60_000);
    expect(retiredAt).toBeLessThan(Date.now() + 5 * 60_000 + 1);
  });

  it('given a rotated store, when provisioning runs again, then the retired key survives it', () => {
    provision({ home, description, targets: readJson(join(DEPLOY, 'targets.json')) });
    const document = TrustStoreDocument.parse(readJson(HomeLayout.trust(home)));
    const statuses = document.identities.find((identity) => identity.id === 'service:approval')!.signingKeys.map((key) => key.status);
    expect(statuses).toEqual(['retired', 'active']);
  });

  it('given the same public key file twice, when the provisioner rotates again, then it refuses and trust.json is unchanged', async () => {
    const trust = readFileSync(HomeLayout.trust(home), 'utf8');
    const again = await cli(['--home', home, 'trust', 'rotate', '--id', 'service:approval', '--new', out]);
    expect(again).toMatchObject({ code: 2, err: expect.stringContaining('already in the trust store') });
    expect(readFileSync(HomeLayout.trust(home), 'utf8')).toBe(trust);
  });

  it('given a public key file of another identity, then it refuses', async () => {
    expect(await cli(['--home', home, 'trust', 'rotate', '--id', 'service:intake', '--new', out])).toMatchObject({
      code: 2,
      err: expect.stringContaining('not service:intake'),
    });
  });

  it('given the executor, when its encryption key rotates, then the previous one is kept for the overlap', async () => {
    const before = loadIdentity(home, 'service:executor');
    const result = await cli([
      '--home',
      home,
      'keys',
      'rotate',
      '--id',
      'service:executor',
      '--key',
      'encryption',
      '--out',
      join(home, 'e.json'),
    ]);
    expect(result.code).toBe(0);
    const after = loadIdentity(home, 'service:executor');
    expect(after.signing).toEqual(before.signing);
    expect(after.previousEncryption?.[0]).toEqual(before.encryption);
    expect(await cli(['--home', home, 'trust', 'rotate', '--id', 'service:executor', '--new', join(home, 'e.json')])).toMatchObject({
      code: 0,
    });
    expect(loadTrustStore(home).activeEncryptionKey('service:executor')?.keyId).toBe(after.encryption!.keyId);
  });
});
