import { execFile } from 'node:child_process';

/** Longer than any ssh-keygen call here takes on a loaded machine; a hung one must not hold a revocation. */
const SSH_KEYGEN_TIMEOUT_MS = 15_000;

/**
 * Runs OpenSSH's `ssh-keygen` with an argument list (never through a shell, so an approved command
 * reaches `-O force-command=` as one argument whatever it contains). Rejects with its output.
 */
export function sshKeygen(args: readonly string[], options: { cwd?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'ssh-keygen',
      [...args],
      { encoding: 'utf8', timeout: SSH_KEYGEN_TIMEOUT_MS, ...(options.cwd ? { cwd: options.cwd } : {}) },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`ssh-keygen ${args[0] ?? ''} failed: ${(stderr || error.message).trim()}`));
        else resolve(stdout);
      },
    );
  });
}

/** `-V` wants local or (with a Z) UTC time as YYYYMMDDHHMMSS; seconds are its finest grain. */
export function sshValidityTime(at: Date): string {
  return `${at.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
}
