import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sshKeygen } from './ssh-keygen';
import { sshCertificateSerial, SshUserCa } from './ssh-user-ca';

const KEYGEN_MISSING = (() => {
  try {
    execFileSync('ssh-keygen', ['-?'], { stdio: 'ignore' });
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code === 'ENOENT' ? 'ssh-keygen is not installed (apt-get install openssh-client)' : undefined;
  }
})();

const suite = KEYGEN_MISSING ? describe.skip : describe;

suite(`SshUserCa on OpenSSH's ssh-keygen${KEYGEN_MISSING ? ` — skipped: ${KEYGEN_MISSING}` : ''}`, () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'countersign-ca-test-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const open = () => SshUserCa.open({ dir: join(dir, 'ca'), revokedKeys: join(dir, 'hosts', 'revoked.krl') });

  it('generates the CA key once (private, 0600) and keeps it across openings', async () => {
    const first = (await open()).publicKey();
    const again = (await open()).publicKey();
    expect(again).toBe(first);
    expect(first).toMatch(/^ssh-ed25519 \S+ countersign-ssh-user-ca$/);
    expect(statSync(join(dir, 'ca', 'ssh-user-ca')).mode & 0o777).toBe(0o600);
  });

  it('signs a certificate naming the principal, window, serial and key id, and leaves no key material behind', async () => {
    const ca = await open();
    const serial = sshCertificateSerial('c0ffee00-0000-4000-8000-000000000001');
    const secret = await ca.issue({
      principal: 'deploy',
      command: 'echo "a, b"; exit 0',
      notBefore: new Date('2026-12-06T10:00:00.400Z'),
      notAfter: new Date('2026-12-06T10:15:00.900Z'),
      serial,
      keyId: 'countersign:r:c',
    });
    expect(secret.privateKey).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----/);
    const file = join(dir, 'cert.pub');
    writeFileSync(file, `${secret.certificate}\n`);
    const listing = await sshKeygen(['-L', '-f', file]);
    expect(listing).toContain(`Serial: ${serial}`);
    expect(listing).toContain('Key ID: "countersign:r:c"');
    // Whole seconds inside the window: the start rounded up, the end down.
    expect(listing).toMatch(/Valid: from 2026-12-06T10:00:01 to 2026-12-06T10:15:00/);
    expect(listing).toContain('force-command echo "a, b"; exit 0');
    expect(readFileSync(join(dir, 'ca', 'ssh-user-ca.pub'), 'utf8')).toContain('ssh-ed25519');
    expect(readdirSync(join(dir, 'ca')).sort()).toEqual(['ssh-user-ca', 'ssh-user-ca.pub']);
  });

  it('derives the same 63-bit serial for the same credential, and different ones for others', () => {
    const a = sshCertificateSerial('c0ffee00-0000-4000-8000-000000000001');
    expect(sshCertificateSerial('c0ffee00-0000-4000-8000-000000000001')).toBe(a);
    expect(sshCertificateSerial('c0ffee00-0000-4000-8000-000000000002')).not.toBe(a);
    expect(BigInt(a) < 2n ** 63n).toBe(true);
  });

  it('revokes idempotently, and concurrent revocations lose none', async () => {
    const ca = await open();
    const serials = Array.from({ length: 6 }, (_, index) => sshCertificateSerial(`credential-${index}`));
    await Promise.all([...serials, ...serials].map((serial) => ca.revoke(serial)));
    for (const serial of serials) expect(await ca.isRevoked(serial)).toBe(true);
    expect(await ca.isRevoked(sshCertificateSerial('never-revoked'))).toBe(false);
    const listing = await sshKeygen(['-Q', '-l', '-f', ca.revokedKeys]);
    expect(listing.match(/^serial: /gm)).toHaveLength(serials.length);
  });

  it('refuses a serial that is not a decimal 64-bit number', async () => {
    const ca = await open();
    await expect(ca.revoke('1; rm -rf /')).rejects.toThrow(/decimal/);
  });
});
