import { join } from 'node:path';
import {
  parseSshCommandParameters,
  SSH_COMMAND_KIND,
  sshTargetProblem,
  type CanonicalAction,
  type SshTargetSettings,
} from '@countersign/contracts';
import { encodeSshSecret } from './ssh-secret';
import { sshCertificateSerial, type SshUserCa, type SshUserCaPaths } from './ssh-user-ca';

/** Where the broker keeps its SSH CA and revocation list unless configured otherwise. */
export function defaultSshCaPaths(home: string): SshUserCaPaths {
  return {
    dir: process.env.COUNTERSIGN_SSH_CA_DIR ?? join(home, 'broker', 'ssh-user-ca'),
    revokedKeys: process.env.COUNTERSIGN_SSH_KRL ?? join(home, 'ssh', 'revoked.krl'),
  };
}

export interface SshIssueInput {
  action: CanonicalAction;
  requestId: string;
  credentialId: string;
  notBefore: Date;
  notAfter: Date;
}

/** What a revocation needs, recorded before the certificate exists: its serial and key id. */
export interface SshCertificateHandle {
  serial: string;
  keyId: string;
}

export type SshIssueOutcome = { ok: true; secret: string; handle: SshCertificateHandle } | { ok: false; message: string };

interface SshTarget {
  name: string;
  address: string;
  ssh?: SshTargetSettings | undefined;
}

/**
 * The broker's issuer for `ssh.command`: one certificate per approved request, for the registered
 * principal the action names, forcing the approved command, valid for the credential's window.
 * Revocation puts the serial in the revocation list the hosts read.
 */
export class SshCertificateIssuer {
  readonly kind = SSH_COMMAND_KIND;

  constructor(
    private readonly ca: SshUserCa,
    private readonly targets: readonly SshTarget[],
  ) {}

  /** The handle is known before anything is signed, so revocation can be recorded first. */
  handleFor(requestId: string, credentialId: string): SshCertificateHandle {
    return { serial: sshCertificateSerial(credentialId), keyId: `countersign:${requestId}:${credentialId}` };
  }

  async issue(input: SshIssueInput): Promise<SshIssueOutcome> {
    const parameters = parseSshCommandParameters(input.action.parameters);
    if (!parameters.ok) return { ok: false, message: parameters.message };
    const target = this.targets.find((candidate) => candidate.name === input.action.target);
    if (!target) return { ok: false, message: `target ${input.action.target} is not in the broker's registry` };
    const problem = sshTargetProblem(target, parameters.value);
    if (problem) return { ok: false, message: problem };
    const handle = this.handleFor(input.requestId, input.credentialId);
    const secret = await this.ca.issue({
      principal: parameters.value.principal,
      command: parameters.value.command,
      notBefore: input.notBefore,
      notAfter: input.notAfter,
      ...handle,
    });
    return { ok: true, secret: encodeSshSecret(secret), handle };
  }

  /** Idempotent: a serial already listed stays listed. */
  revoke(handle: SshCertificateHandle): Promise<void> {
    return this.ca.revoke(handle.serial);
  }
}
