import { parseSshCommandParameters, SSH_COMMAND_KIND, sshTargetProblem } from '@countersign/contracts';
import { encodeSshSecret, sshCertificateSerial, SshUserCa, type SshUserCaPaths } from '@countersign/credentials';
import type { CredentialIssuer, GrantPlan, GrantRequest, GrantToRevoke, IssuedGrant } from './credential-issuer';

/** `serial:<n> key-id:countersign:<request>:<credential>`: what the KRL names, and what sshd logs. */
const HANDLE = /^serial:(\d{1,19}) key-id:(countersign:[0-9a-f-]{36}:[0-9a-f-]{36})$/;

/**
 * Issues `ssh.command` credentials: a fresh key pair and an OpenSSH user certificate signed by the
 * broker's CA for the one registered principal the action names, forcing the approved command,
 * valid for the credential's window, with a serial and key id naming the request. Revokes by
 * putting the serial in the revocation list the hosts' sshd read (idempotent). The CA is opened
 * (and generated the first time) lazily, so a broker that never sees an SSH request makes none.
 */
export class SshIssuer implements CredentialIssuer {
  readonly kinds = [SSH_COMMAND_KIND];
  private ca?: Promise<SshUserCa>;

  constructor(private readonly paths: SshUserCaPaths) {}

  prepare(request: GrantRequest): GrantPlan {
    const parameters = parseSshCommandParameters(request.action.parameters);
    if (!parameters.ok) return { ok: false, message: `invalid ssh.command parameters: ${parameters.message}` };
    const problem = sshTargetProblem(request.target, parameters.value);
    if (problem) return { ok: false, message: problem };
    return { ok: true, handle: sshGrantHandle(request.requestId, request.credentialId) };
  }

  /**
   * A re-issue (a redelivered approval) signs a new certificate with the same serial: revoking the
   * serial revokes every certificate ever made for this credential.
   */
  async issue(request: GrantRequest, handle: string): Promise<IssuedGrant> {
    const parameters = parseSshCommandParameters(request.action.parameters);
    const parsed = HANDLE.exec(handle);
    if (!parameters.ok || !parsed) throw new Error(`cannot issue ssh.command grant ${handle}`);
    const [, serial = '', keyId = ''] = parsed;
    const secret = await (
      await this.openCa()
    ).issue({
      principal: parameters.value.principal,
      command: parameters.value.command,
      notBefore: new Date(request.notBefore),
      notAfter: new Date(request.expiresAt),
      serial,
      keyId,
    });
    return { handle, secret: encodeSshSecret(secret) };
  }

  async revoke({ handle }: GrantToRevoke): Promise<void> {
    const parsed = HANDLE.exec(handle);
    if (!parsed?.[1]) throw new Error(`not an ssh.command grant handle: ${handle}`);
    await (await this.openCa()).revoke(parsed[1]);
  }

  private openCa(): Promise<SshUserCa> {
    // A failed open is not kept: the next issue or revocation tries again.
    this.ca ??= SshUserCa.open(this.paths).catch((error: unknown) => {
      this.ca = undefined;
      throw error;
    });
    return this.ca;
  }
}

export function sshGrantHandle(requestId: string, credentialId: string): string {
  return `serial:${sshCertificateSerial(credentialId)} key-id:countersign:${requestId}:${credentialId}`;
}
