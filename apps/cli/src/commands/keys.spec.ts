import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInProcess } from '../testing/in-process';

const cli = (argv: string[]) => runInProcess(argv);

describe('countersign keys init, then provision --enrollments', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'countersign-keys-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("makes the identity's key file (0600) on its machine and an enrollment with public keys only; a second run keeps the key", async () => {
    const laptop = join(dir, 'alice-laptop');
    const first = await cli(['keys', 'init', '--id', 'approver:alice', '--home', laptop, '--json']);
    expect(first.code).toBe(0);
    const summary = JSON.parse(first.out);
    expect(summary).toMatchObject({ id: 'approver:alice', key: 'generated', keyFile: join(laptop, 'keys', 'approver-alice', 'key.json') });
    expect(statSync(summary.keyFile).mode & 0o777).toBe(0o600);
    const key = JSON.parse(readFileSync(summary.keyFile, 'utf8'));
    const enrollment = readFileSync(summary.enrollmentFile, 'utf8');
    expect(enrollment).not.toMatch(/privateKey|seed/);
    expect(enrollment).not.toContain(key.nats.seed);
    expect(first.out).not.toContain(key.nats.seed);
    expect(first.out).not.toContain(key.signing.privateKey);
    expect(JSON.parse(enrollment).nats.nkey).toMatch(/^U[A-Z2-7]{55}$/);
    const again = JSON.parse((await cli(['keys', 'init', '--id', 'approver:alice', '--home', laptop, '--json'])).out);
    expect(again).toMatchObject({ key: 'kept', enrollment: JSON.parse(enrollment) });
  });

  it('gives the executor an encryption key, and refuses an id that is not one', async () => {
    const out = JSON.parse((await cli(['keys', 'init', '--id', 'service:executor', '--out', join(dir, 'k.json'), '--json'])).out);
    expect(out.enrollment.encryption.keyId).toMatch(/^service:executor#/);
    expect(await cli(['keys', 'init', '--id', 'alice'])).toMatchObject({ code: 2 });
  });

  it('provisions from enrollments, and refuses a key file passed off as an enrollment', async () => {
    const enrollments = join(dir, 'enrollments');
    mkdirSync(enrollments);
    await cli([
      'keys',
      'init',
      '--id',
      'approver:alice',
      '--home',
      join(dir, 'a'),
      '--enrollment',
      join(enrollments, 'approver-alice.json'),
    ]);
    const home = join(dir, 'provisioned');
    const ok = await cli(['provision', '--home', home, '--enrollments', enrollments, '--json']);
    expect(ok.code).toBe(0);
    const summary = JSON.parse(ok.out);
    expect(summary.mode).toBe('enrollment');
    expect(summary.identities).toEqual([{ id: 'approver:alice', keys: 'kept' }]);
    expect(summary.notEnrolled).toContain('service:broker');
    copyFileSync(join(dir, 'a', 'keys', 'approver-alice', 'key.json'), join(enrollments, 'approver-alice.json'));
    const refused = await cli(['provision', '--home', home, '--enrollments', enrollments]);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/contains private material \(signing\.privateKey\); refusing it/);
  });
});
