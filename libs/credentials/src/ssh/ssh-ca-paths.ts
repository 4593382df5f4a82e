import { join } from 'node:path';
import type { SshUserCaPaths } from './ssh-user-ca';

/**
 * Where the broker keeps its SSH user CA (`COUNTERSIGN_SSH_CA_DIR`, else `<home>/broker/ssh-user-ca`)
 * and writes the revocation list hosts read (`COUNTERSIGN_SSH_KRL`, else `<home>/ssh/revoked.krl`).
 * The stack's demo sshd is pointed at the same two paths.
 */
export function sshCaPaths(home: string, env: NodeJS.ProcessEnv = process.env): SshUserCaPaths {
  return {
    dir: env.COUNTERSIGN_SSH_CA_DIR ?? join(home, 'broker', 'ssh-user-ca'),
    revokedKeys: env.COUNTERSIGN_SSH_KRL ?? join(home, 'ssh', 'revoked.krl'),
  };
}
