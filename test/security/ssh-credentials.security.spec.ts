import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { EventTypes, type CredentialIssuedV1, type Envelope, type GrantRevokedV1 } from '@countersign/contracts';
import { runOpenSsh, type OpenSshResult } from '@countersign/action-adapters';
import type { SshCertificateSecret } from '@countersign/credentials';
import { sshdUnavailableReason, type RunningSshd } from '@countersign/testing';
import {
  eventually,
  approvalRequested,
  outcomeOf,
  startScenario,
  type Scenario,
  credentialIssued,
  demoSshd,
  grantSerial,
  krlNames,
  stolenSshSecret,
} from '@countersign/e2e';
import { recordAttack } from './report';

jest.setTimeout(240_000);

const SUITE = 'ssh-credentials';
const SKIP_REASON = sshdUnavailableReason();
const REFUSED: unknown = expect.objectContaining({ ok: false, code: 'credential_refused' });
const FORCED: unknown = expect.objectContaining({ ok: true, exitStatus: 0, captured: 'approved' });

/**
 * The thief holds the real thing: the SSH private key and certificate the broker sealed to the
 * executor, opened with the executor's own private key. What stops it is the certificate itself
 * (force-command, window) and the revocation list the host reads, not anything in Countersign's
 * pipeline, so these attempts never reach a Countersign consumer (nothing to audit).
 */
if (SKIP_REASON) {
  describe.skip(`SSH credential attacks — skipped: ${SKIP_REASON}`, () => {
    it('needs sshd', () => undefined);
  });
} else {
  describe('SSH credential attacks on a real sshd, with the stolen certificate', () => {
    let s: Scenario;
    let sshd: RunningSshd;
    const marker = `/tmp/countersign-ssh-attack-${randomUUID()}`;
    const attackerCommands = [`touch ${marker}`, 'id', 'cat /etc/passwd', `sh -c "touch ${marker}"`];

    beforeAll(async () => {
      s = await startScenario({ sshDemo: true });
      sshd = demoSshd(s.stack);
    });
    afterAll(async () => {
      await s?.close();
    });

    const login = (secret: SshCertificateSecret, command: string): Promise<OpenSshResult> =>
      runOpenSsh({
        host: sshd.host,
        port: sshd.port,
        hostKey: sshd.hostKey,
        principal: sshd.account,
        command,
        secret,
        timeoutMs: 10_000,
        captureBytes: 200,
      });

    const approve = async (requestId: string) => {
      const { digest } = await approvalRequested(s.audit, requestId);
      await s.approvers.alice.vote(requestId, digest, 'approve', 'ok');
      await s.approvers.bob.vote(requestId, digest, 'approve', 'ok');
    };

    const grantRevoked = (requestId: string) =>
      eventually(() => {
        const found = s.audit.eventsFor(requestId).find((event) => event.type === EventTypes.GrantRevoked) as
          Envelope<GrantRevokedV1> | undefined;
        if (!found) throw new Error('grant not revoked yet');
        return found.data;
      }, 90_000);

    const loginsWith = (serial: string) => (sshd.log().match(new RegExp(`Accepted publickey .*\\(serial ${serial}\\)`, 'g')) ?? []).length;
    const refused = (result: OpenSshResult) => !result.ok && result.code === 'credential_refused';

    it('replay after completion: the same certificate is refused once the request is done', async () => {
      const command = 'printf done';
      const action = { kind: 'ssh.command', target: 'demo-ssh', parameters: { command, principal: sshd.account } };
      const { requestId } = await s.deployBot.submit(action, 'replay target');
      await approve(requestId);
      await outcomeOf(s.deployBot, requestId, 'executed', 40_000);
      const issued = await credentialIssued(s.audit, requestId);
      expect(await grantRevoked(requestId)).toMatchObject({ reason: 'execution_completed' });
      const secret = stolenSshSecret(s.stack, issued);
      const serial = grantSerial(issued);
      const before = loginsWith(serial);
      const attempts = await Promise.all([command, ...attackerCommands].map((attempt) => login(secret, attempt)));
      const logins = loginsWith(serial) - before;
      recordAttack({
        suite: SUITE,
        attack: 'SSH: replay the certificate after the execution completed (credential)',
        layer: 'credential',
        tried: attempts.length,
        rejected: attempts.filter(refused).length,
        auditable: 0,
        audited: 0,
        executions: logins,
        notes: [`serial ${serial} in the KRL: ${String(await krlNames(s.stack, serial))}`, 'refused by sshd (RevokedKeys) before login'],
      });
      expect(attempts).toEqual(attempts.map(() => REFUSED));
      expect(logins).toBe(0);
    });

    it('another command than the approved one, then use after the window ended', async () => {
      const approved = 'printf approved';
      const now = Date.now();
      const window = { notBefore: new Date(now - 5_000).toISOString(), notAfter: new Date(now + 60_000).toISOString() };
      const action = { kind: 'ssh.command', target: 'demo-ssh', parameters: { command: approved, principal: sshd.account }, window };
      // The executor is away: the credential is issued and stays unused, as if it were stolen in transit.
      await s.stack.stop('executor');
      const { requestId } = await s.deployBot.submit(action, 'short window');
      await approve(requestId);
      const issued: CredentialIssuedV1 = await credentialIssued(s.audit, requestId);
      const secret = stolenSshSecret(s.stack, issued);
      const serial = grantSerial(issued);

      // One at a time: on a loaded machine four parallel logins could time out and prove nothing.
      const other: OpenSshResult[] = [];
      for (const command of attackerCommands) other.push(await login(secret, command));
      const forced = (result: OpenSshResult) => result.ok && result.captured === 'approved';
      recordAttack({
        suite: SUITE,
        attack: 'SSH: run another command than the approved one with a valid certificate (credential)',
        layer: 'credential',
        tried: other.length,
        rejected: other.filter(forced).length,
        auditable: 0,
        audited: 0,
        executions: existsSync(marker) ? 1 : 0,
        notes: [
          'force-command ran the approved command instead each time; the attacker-chosen commands never ran',
          'a thief with a valid certificate can re-run only the approved command, only inside the window, until the KRL names it',
        ],
      });
      expect(other).toEqual(attackerCommands.map(() => FORCED));
      expect(existsSync(marker)).toBe(false);

      expect(await grantRevoked(requestId)).toMatchObject({ reason: 'window_ended' });
      // The credential (and the certificate inside it) ends in whole seconds, at or before the window.
      expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(issued.expiresAt));
      const loginsBefore = loginsWith(serial);
      const late = await Promise.all([approved, ...attackerCommands].map((command) => login(secret, command)));
      recordAttack({
        suite: SUITE,
        attack: 'SSH: use the certificate after the window ended (credential)',
        layer: 'credential',
        tried: late.length,
        rejected: late.filter(refused).length,
        auditable: 0,
        audited: 0,
        executions: loginsWith(serial) - loginsBefore,
        notes: [`revoked at window end without any execution; serial ${serial} in the KRL: ${String(await krlNames(s.stack, serial))}`],
      });
      expect(late).toEqual(late.map(() => REFUSED));
      await s.stack.start('executor');
    });
  });
}
