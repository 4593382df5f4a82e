import { join } from 'node:path';
import type { RegisteredTarget, TargetRegistryDocument } from '@countersign/contracts';
import { sshCaPaths, SshUserCa } from '@countersign/credentials';
import { sshdUnavailableReason, startSshd, type RunningSshd } from '@countersign/testing';

/** The SSH demo target's name in the registry. */
export const DEMO_SSH = 'demo-ssh';

export type SshDemo = { sshd: RunningSshd; target: RegisteredTarget } | { unavailable: string };

/**
 * A real sshd the stack runs under `<home>/ssh-demo`, trusting the broker's SSH user CA (created
 * here if the broker has not yet: the same folder the broker opens) and reading the broker's
 * revocation list. Registered as `demo-ssh` (staging, internal data; `deploy-bot` may ask) with
 * the host key it generated, which the executor pins. Without sshd or root, it says why instead.
 */
export async function startSshDemo(home: string): Promise<SshDemo> {
  const unavailable = sshdUnavailableReason();
  if (unavailable) return { unavailable };
  const ca = await SshUserCa.open(sshCaPaths(home));
  const sshd = await startSshd({ trustedUserCaKeys: ca.publicKeyFile, revokedKeys: ca.revokedKeys, dir: join(home, 'ssh-demo') });
  const target: RegisteredTarget = {
    name: DEMO_SSH,
    description: `A real sshd the stack runs (${sshd.address}); requests run as ${sshd.account}`,
    environment: 'staging',
    dataSensitivity: 'internal',
    ownerTeam: 'platform',
    kinds: ['ssh.command'],
    address: sshd.address,
    requesters: ['deploy-bot'],
    ssh: { principals: [sshd.account], hostKey: sshd.hostKey },
  };
  return { sshd, target };
}

/** The registry with the running demo's registration in place of any older one. */
export function withSshDemo(targets: TargetRegistryDocument, demo: SshDemo | undefined): TargetRegistryDocument {
  if (!demo || 'unavailable' in demo) return targets;
  return { ...targets, targets: [...targets.targets.filter((target) => target.name !== DEMO_SSH), demo.target] };
}
