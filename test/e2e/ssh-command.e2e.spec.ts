import {
  EventTypes,
  type CredentialRevokedV1,
  type CustodyVerifiedV1,
  type Envelope,
  type ExecutionSucceededV1,
  type GrantRevokedV1,
} from '@countersign/contracts';
import { runOpenSsh } from '@countersign/action-adapters';
import { sshdUnavailableReason } from '@countersign/testing';
import { eventually } from './clients';
import { approvalRequested, outcomeOf, startScenario, type Scenario } from './scenario';
import { credentialIssued, demoSshd, grantSerial, krlNames, stolenSshSecret } from './ssh-support';

jest.setTimeout(120_000);

const SKIP_REASON = sshdUnavailableReason();

if (SKIP_REASON) {
  describe.skip(`ssh.command through the whole stack — skipped: ${SKIP_REASON}`, () => {
    it('needs sshd', () => undefined);
  });
} else {
  describe('ssh.command through the whole stack, on a real sshd', () => {
    let s: Scenario;

    beforeAll(async () => {
      s = await startScenario({ sshDemo: true });
    });
    afterAll(async () => {
      await s?.close();
    });

    const find = <T>(requestId: string, type: string) =>
      eventually(() => {
        const found = s.audit.eventsFor(requestId).find((event) => event.type === type) as Envelope<T> | undefined;
        if (!found) throw new Error(`no ${type} for ${requestId} yet`);
        return found.data;
      });

    it('submit → two approvals → certificate → command runs once → certificate revoked in the KRL → custody verified', async () => {
      const sshd = demoSshd(s.stack);
      const command = 'printf "hello from %s" "$(id -un)"';
      const action = {
        kind: 'ssh.command',
        target: 'demo-ssh',
        parameters: { command, principal: sshd.account, captureOutputBytes: 64 },
      };
      const { requestId } = await s.deployBot.submit(action, 'check the demo host');
      const { digest } = await approvalRequested(s.audit, requestId);
      await s.approvers.alice.vote(requestId, digest, 'approve', 'read-only');
      await s.approvers.bob.vote(requestId, digest, 'approve', 'fine');
      expect(await outcomeOf(s.deployBot, requestId, 'executed', 40_000)).toEqual(['accepted', 'approved', 'executed']);

      const issued = await credentialIssued(s.audit, requestId);
      expect(issued.grant).toEqual({ kind: 'ssh.command', handle: expect.stringMatching(/^serial:\d+ key-id:countersign:/) });
      const serial = grantSerial(issued);
      const succeeded = await find<ExecutionSucceededV1>(requestId, EventTypes.ExecutionSucceeded);
      const output = `hello from ${sshd.account}`;
      expect(succeeded.result).toEqual({
        status: 0,
        summary: `exit 0; stdout ${output.length} bytes, stderr 0 bytes; output: ${JSON.stringify(output)}`,
      });
      // sshd saw exactly one login with this certificate, running the forced command.
      expect(sshd.log().match(new RegExp(`Accepted publickey for ${sshd.account} .*\\(serial ${serial}\\)`, 'g'))).toHaveLength(1);

      const revoked = await find<CredentialRevokedV1>(requestId, EventTypes.CredentialRevoked);
      expect(revoked.reason).toBe('execution_completed');
      const grantRevoked = await find<GrantRevokedV1>(requestId, EventTypes.GrantRevoked);
      expect(grantRevoked).toMatchObject({ grant: issued.grant, reason: 'execution_completed', target: 'demo-ssh' });
      expect(await krlNames(s.stack, serial)).toBe(true);

      const custody = await find<CustodyVerifiedV1>(requestId, EventTypes.CustodyVerified);
      expect(custody.custody.map((link) => link.identity).sort()).toEqual(
        ['approver:alice', 'approver:bob', 'requester:deploy-bot', 'service:broker', 'service:executor'].sort(),
      );

      // The real certificate, taken from the sealed box with the executor's key, is now refused.
      const replay = await runOpenSsh({
        host: sshd.host,
        port: sshd.port,
        hostKey: sshd.hostKey,
        principal: sshd.account,
        command,
        secret: stolenSshSecret(s.stack, issued),
        timeoutMs: 10_000,
        captureBytes: 0,
      });
      expect(replay).toMatchObject({ ok: false, code: 'credential_refused' });
    });

    it('revokes the certificate after a broker killed with SIGKILL between issue and revocation comes back', async () => {
      const sshd = demoSshd(s.stack);
      const command = 'printf survived';
      const action = { kind: 'ssh.command', target: 'demo-ssh', parameters: { command, principal: sshd.account } };
      await s.stack.stop('executor');
      const { requestId } = await s.deployBot.submit(action, 'while the broker dies');
      const { digest } = await approvalRequested(s.audit, requestId);
      await s.approvers.alice.vote(requestId, digest, 'approve', 'ok');
      await s.approvers.bob.vote(requestId, digest, 'approve', 'ok');
      const issued = await credentialIssued(s.audit, requestId);
      const serial = grantSerial(issued);
      expect(await krlNames(s.stack, serial)).toBe(false);
      await s.stack.stop('broker', 'SIGKILL');
      await s.stack.start('executor');
      expect(await outcomeOf(s.deployBot, requestId, 'executed', 40_000)).toEqual(['accepted', 'approved', 'executed']);
      // Nobody revoked it while the broker was down; its durable consumer and store finish the work.
      expect(await krlNames(s.stack, serial)).toBe(false);
      await s.stack.start('broker');
      const grantRevoked = await find<GrantRevokedV1>(requestId, EventTypes.GrantRevoked);
      expect(grantRevoked).toMatchObject({ grant: issued.grant, reason: 'execution_completed' });
      expect(await krlNames(s.stack, serial)).toBe(true);
      const replay = await runOpenSsh({
        host: sshd.host,
        port: sshd.port,
        hostKey: sshd.hostKey,
        principal: sshd.account,
        command,
        secret: stolenSshSecret(s.stack, issued),
        timeoutMs: 10_000,
        captureBytes: 0,
      });
      expect(replay).toMatchObject({ ok: false, code: 'credential_refused' });
    });

    it('refuses at the broker a principal the target does not register: no certificate is signed', async () => {
      const action = { kind: 'ssh.command', target: 'demo-ssh', parameters: { command: 'id', principal: 'root' } };
      const { requestId } = await s.deployBot.submit(action, 'as root please');
      const { digest } = await approvalRequested(s.audit, requestId);
      await s.approvers.alice.vote(requestId, digest, 'approve', 'oops');
      await s.approvers.bob.vote(requestId, digest, 'approve', 'oops');
      const refused = await find<{ code: string; message: string }>(requestId, EventTypes.CredentialRefused);
      expect(refused).toMatchObject({ code: 'grant_refused', message: 'target demo-ssh does not let a request act as root' });
      expect(s.audit.eventsFor(requestId).map((event) => event.type)).not.toContain(EventTypes.CredentialIssued);
    });
  });
}
