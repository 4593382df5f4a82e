import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { actionDigest, type CanonicalAction } from '@countersign/contracts';
import { sshCertificateSerial, sshKeygen, SshUserCa, type SshCertificateSecret } from '@countersign/credentials';
import { sshdUnavailableReason, startSshd, type RunningSshd } from '@countersign/testing';
import { mayHaveTakenEffect } from './action-adapter';
import { runOpenSsh } from './openssh-client';
import { SshCommandAdapter } from './ssh-command-adapter';

const TOKEN = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2ln';
const MINUTE = 60_000;
const SKIP_REASON = sshdUnavailableReason();

if (SKIP_REASON) {
  describe.skip(`SshCommandAdapter on a real sshd — skipped: ${SKIP_REASON}`, () => {
    it('needs sshd', () => undefined);
  });
} else {
  describe('SshCommandAdapter on a real sshd with a just-in-time certificate', () => {
    let dir: string;
    let ca: SshUserCa;
    let sshd: RunningSshd;
    let adapter: SshCommandAdapter;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'countersign-ssh-test-'));
      ca = await SshUserCa.open({ dir: join(dir, 'ca'), revokedKeys: join(dir, 'revoked.krl') });
      sshd = await startSshd({ trustedUserCaKeys: ca.publicKeyFile, revokedKeys: ca.revokedKeys });
      adapter = new SshCommandAdapter([registration(sshd.hostKey)], { timeoutMs: 10_000 });
    });
    afterAll(async () => {
      await sshd?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    const registration = (hostKey: string) => ({
      name: 'box',
      address: sshd.address,
      ssh: { principals: [sshd.account], hostKey },
    });

    /** A certificate as the broker signs one: for one principal, one command, one window. */
    const certify = async (command: string, options: { principal?: string; from?: number; to?: number } = {}) => {
      const credentialId = randomUUID();
      const serial = sshCertificateSerial(credentialId);
      const now = Date.now();
      const secret = await ca.issue({
        principal: options.principal ?? sshd.account,
        command,
        notBefore: new Date(now + (options.from ?? -MINUTE)),
        notAfter: new Date(now + (options.to ?? 10 * MINUTE)),
        serial,
        keyId: `countersign:test:${credentialId}`,
      });
      return { secret, serial };
    };

    const action = (command: string, extra: Record<string, unknown> = {}): CanonicalAction => ({
      kind: 'ssh.command',
      target: 'box',
      environment: 'production',
      dataSensitivity: 'confidential',
      ownerTeam: 'platform',
      targetAddress: sshd.address,
      parameters: { command, principal: sshd.account, ...extra },
      window: { notBefore: new Date(Date.now() - MINUTE).toISOString(), notAfter: new Date(Date.now() + 10 * MINUTE).toISOString() },
      requestId: randomUUID(),
    });

    const execute = (candidate: CanonicalAction, secret: SshCertificateSecret) =>
      adapter.execute(
        candidate,
        { token: TOKEN, system: { type: 'ssh-certificate', ...secret } },
        { requestId: candidate.requestId, digest: actionDigest(candidate) },
      );

    /** The same login the adapter makes, but asking for any command: what a thief of the secret could do. */
    const login = (secret: SshCertificateSecret, command: string, principal = sshd.account) =>
      runOpenSsh({
        host: sshd.host,
        port: sshd.port,
        hostKey: sshd.hostKey,
        principal,
        command,
        secret,
        timeoutMs: 10_000,
        captureBytes: 200,
      });

    it('runs the approved command as the approved account and records exit status and output size, not the output', async () => {
      const command = 'printf "ran as %s" "$(id -un)"';
      const { secret, serial } = await certify(command);
      const result = await execute(action(command), secret);
      const expected = `ran as ${sshd.account}`;
      expect(result).toEqual({ ok: true, status: 0, summary: `exit 0; stdout ${expected.length} bytes, stderr 0 bytes` });
      expect(sshd.log()).toContain(`(serial ${serial})`);
      expect(sshd.log()).toMatch(/Starting session: forced-command \(key-option\)/);
    });

    it('keeps a bounded capture of the output when the action asks for one', async () => {
      const command = 'echo 0123456789abcdef';
      const { secret } = await certify(command);
      const result = await execute(action(command, { captureOutputBytes: 10 }), secret);
      expect(result).toEqual({ ok: true, status: 0, summary: 'exit 0; stdout 17 bytes, stderr 0 bytes; output: "0123456789"' });
    });

    it('reports a command that fails with its exit status, as a failure that is not in doubt', async () => {
      const command = 'echo failing >&2; exit 3';
      const { secret } = await certify(command);
      const result = await execute(action(command), secret);
      expect(result).toEqual({ ok: false, code: 'command_failed', message: `${command}: exit 3; stdout 0 bytes, stderr 8 bytes` });
      expect(mayHaveTakenEffect(result)).toBe(false);
    });

    it('cannot run another command: the certificate forces the approved one whatever the client asks', async () => {
      const { secret } = await certify('echo approved');
      const other = await login(secret, 'echo other; id');
      expect(other).toEqual({ ok: true, exitStatus: 0, stdoutBytes: 9, stderrBytes: 0, captured: 'approved\n' });
      // Through the adapter too: an action naming another command with this certificate runs the approved one.
      const viaAdapter = await execute(action('touch /tmp/countersign-should-not-exist', { captureOutputBytes: 50 }), secret);
      expect(viaAdapter).toEqual({ ok: true, status: 0, summary: 'exit 0; stdout 9 bytes, stderr 0 bytes; output: "approved\\n"' });
      expect(existsSync('/tmp/countersign-should-not-exist')).toBe(false);
    });

    it('grants no pty, port, agent or X11 forwarding: only the forced command is in the certificate', async () => {
      const { secret } = await certify('true');
      const certificate = join(dir, `inspect-${randomUUID()}-cert.pub`);
      writeFileSync(certificate, `${secret.certificate}\n`);
      const listing = await sshKeygen(['-L', '-f', certificate]);
      expect(listing).toMatch(/Critical Options: \n\s+force-command true\n\s+Extensions: \(none\)/);
      expect(listing).toContain(`Principals: \n                ${sshd.account}\n`);
    });

    it('refuses the same certificate once its serial is in the revocation list (replay after completion)', async () => {
      const { secret, serial } = await certify('echo once');
      expect(await login(secret, 'echo once')).toMatchObject({ ok: true, exitStatus: 0 });
      await ca.revoke(serial);
      await ca.revoke(serial); // idempotent: a second revocation changes nothing
      expect(await ca.isRevoked(serial)).toBe(true);
      const replay = await login(secret, 'echo once');
      expect(replay).toMatchObject({ ok: false, code: 'credential_refused' });
      expect(mayHaveTakenEffect(replay as never)).toBe(false);
      expect(sshd.log()).toMatch(/revoked/i);
    });

    it('refuses an expired certificate, and one not yet valid', async () => {
      const expired = await certify('echo late', { from: -10 * MINUTE, to: -MINUTE });
      expect(await login(expired.secret, 'echo late')).toMatchObject({ ok: false, code: 'credential_refused' });
      const early = await certify('echo early', { from: 5 * MINUTE, to: 10 * MINUTE });
      expect(await login(early.secret, 'echo early')).toMatchObject({ ok: false, code: 'credential_refused' });
    });

    it('refuses a certificate for another principal', async () => {
      const { secret } = await certify('echo elsewhere', { principal: 'cs-someone-else' });
      expect(await login(secret, 'echo elsewhere')).toMatchObject({ ok: false, code: 'credential_refused' });
    });

    it('refuses a host that does not present the pinned host key, before logging in', async () => {
      const impostorKey = readFileSync(ca.publicKeyFile, 'utf8').trim().split(' ').slice(0, 2).join(' ');
      const pinnedElsewhere = new SshCommandAdapter([registration(impostorKey)], { timeoutMs: 10_000 });
      const { secret, serial } = await certify('echo pinned');
      const candidate = action('echo pinned');
      const result = await pinnedElsewhere.execute(
        candidate,
        { token: TOKEN, system: { type: 'ssh-certificate', ...secret } },
        { requestId: candidate.requestId, digest: actionDigest(candidate) },
      );
      expect(result).toMatchObject({ ok: false, code: 'host_key_mismatch' });
      expect(mayHaveTakenEffect(result)).toBe(false);
      expect(sshd.log()).not.toContain(`(serial ${serial})`);
    });

    it('refuses before connecting: a principal the target does not register, or no certificate', async () => {
      const { secret } = await certify('echo x');
      expect(await execute(action('echo x', { principal: 'root' }), secret)).toMatchObject({ ok: false, code: 'invalid_parameters' });
      const candidate = action('echo x');
      const bare = await adapter.execute(candidate, { token: TOKEN }, { requestId: candidate.requestId, digest: actionDigest(candidate) });
      expect(bare).toMatchObject({ ok: false, code: 'invalid_credential' });
    });
  });
}
