import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SshCertificateSecret } from '@countersign/credentials';
import { fail, type Failure } from './target-http';

/**
 * One command over SSH with a user certificate, through OpenSSH's own client (`ssh`).
 *
 * Why not `ssh2`: ssh2 1.17 cannot log in with an OpenSSH certificate. It sends the signature
 * under the certificate's algorithm name (`ssh-ed25519-cert-v01@openssh.com`), which sshd refuses
 * (it wants `ssh-ed25519` inside); support was proposed upstream (mscdex/ssh2#808) and never
 * merged. Patching its packets would be hand-written SSH protocol, so the kept implementation
 * that speaks certificates, OpenSSH's client, runs instead: every configuration file ignored,
 * only the pinned host key trusted, no agent, no forwarding, no tty, publickey only.
 */

export interface OpenSshRun {
  host: string;
  port: number;
  /** The pinned host key line; the only one this login will accept. */
  hostKey: string;
  principal: string;
  command: string;
  secret: SshCertificateSecret;
  timeoutMs: number;
  /** Keep at most this many bytes of standard output (0: only count them). */
  captureBytes: number;
  signal?: AbortSignal;
}

export type OpenSshResult = Failure | { ok: true; exitStatus: number; stdoutBytes: number; stderrBytes: number; captured?: string };

/** ssh's own failures (it exits 255): nothing after login failed, or the session broke. */
const SSH_FAILED = 255;

export async function runOpenSsh(run: OpenSshRun): Promise<OpenSshResult> {
  const work = mkdtempSync(join(tmpdir(), 'countersign-ssh-'));
  try {
    const files = writeCredentialFiles(work, run);
    const outcome = await spawnSsh(sshArguments(run, files), run);
    const log = readLog(files.log);
    return classify(outcome, log, run.timeoutMs);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

interface CredentialFiles {
  key: string;
  certificate: string;
  knownHosts: string;
  log: string;
}

/** Private key and certificate readable only by this process's user, in a folder removed afterwards. */
function writeCredentialFiles(work: string, run: OpenSshRun): CredentialFiles {
  const files = {
    key: join(work, 'id'),
    certificate: join(work, 'id-cert.pub'),
    knownHosts: join(work, 'known_hosts'),
    log: join(work, 'ssh.log'),
  };
  writeFileSync(files.key, run.secret.privateKey.endsWith('\n') ? run.secret.privateKey : `${run.secret.privateKey}\n`, { mode: 0o600 });
  writeFileSync(files.certificate, `${run.secret.certificate}\n`, { mode: 0o600 });
  const hostName = run.port === 22 ? run.host : `[${run.host}]:${run.port}`;
  writeFileSync(files.knownHosts, `${hostName} ${run.hostKey}\n`, { mode: 0o600 });
  return files;
}

function sshArguments(run: OpenSshRun, files: CredentialFiles): string[] {
  const keyType = run.hostKey.split(' ')[0] ?? '';
  const options: Record<string, string> = {
    BatchMode: 'yes',
    IdentitiesOnly: 'yes',
    IdentityAgent: 'none',
    IdentityFile: files.key,
    CertificateFile: files.certificate,
    UserKnownHostsFile: files.knownHosts,
    GlobalKnownHostsFile: '/dev/null',
    StrictHostKeyChecking: 'yes',
    CheckHostIP: 'no',
    UpdateHostKeys: 'no',
    VerifyHostKeyDNS: 'no',
    HostKeyAlgorithms: keyType === 'ssh-rsa' ? 'rsa-sha2-512,rsa-sha2-256' : keyType,
    PreferredAuthentications: 'publickey',
    PasswordAuthentication: 'no',
    KbdInteractiveAuthentication: 'no',
    ClearAllForwardings: 'yes',
    ForwardAgent: 'no',
    ForwardX11: 'no',
    RequestTTY: 'no',
    PermitLocalCommand: 'no',
    ControlMaster: 'no',
    ControlPath: 'none',
    ProxyCommand: 'none',
    ConnectTimeout: String(Math.max(1, Math.ceil(run.timeoutMs / 1000))),
    ServerAliveInterval: '5',
    ServerAliveCountMax: '3',
    // VERBOSE logs "Authenticated to": the line between "nothing ran" and "may have run".
    LogLevel: 'VERBOSE',
  };
  const flags = Object.entries(options).flatMap(([name, value]) => ['-o', `${name}=${value}`]);
  return ['-F', 'none', '-T', ...flags, '-E', files.log, '-p', String(run.port), '-l', run.principal, '--', run.host, run.command];
}

interface SpawnOutcome {
  code: number | null;
  timedOut: boolean;
  aborted: boolean;
  stdoutBytes: number;
  stderrBytes: number;
  captured: Buffer;
  spawnError?: string;
}

function spawnSsh(args: string[], run: OpenSshRun): Promise<SpawnOutcome> {
  return new Promise((resolve) => {
    const outcome: SpawnOutcome = {
      code: null,
      timedOut: false,
      aborted: false,
      stdoutBytes: 0,
      stderrBytes: 0,
      captured: Buffer.alloc(0),
    };
    const child = spawn('ssh', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const kill = () => child.kill('SIGKILL');
    const timer = setTimeout(() => {
      outcome.timedOut = true;
      kill();
    }, run.timeoutMs);
    const onAbort = () => {
      outcome.aborted = true;
      kill();
    };
    run.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (chunk: Buffer) => {
      outcome.stdoutBytes += chunk.byteLength;
      const room = run.captureBytes - outcome.captured.byteLength;
      if (room > 0) outcome.captured = Buffer.concat([outcome.captured, chunk.subarray(0, room)]);
    });
    // The remote's standard error is counted, never kept: it is the command's, not ssh's (ssh logs to -E).
    child.stderr.on('data', (chunk: Buffer) => (outcome.stderrBytes += chunk.byteLength));
    child.on('error', (error) => (outcome.spawnError = error.message));
    child.on('close', (code) => {
      clearTimeout(timer);
      run.signal?.removeEventListener('abort', onAbort);
      resolve({ ...outcome, code });
    });
  });
}

/**
 * Before "Authenticated to" nothing can have run on the host: a plain failure. After it, a
 * session that ended without an exit status (ssh's 255, a timeout, a cancel) may have run the
 * command: in doubt. A command that itself exits 255 is therefore reported in doubt too.
 */
function classify(outcome: SpawnOutcome, log: string, timeoutMs: number): OpenSshResult {
  if (outcome.spawnError) return fail('ssh_unavailable', `cannot run ssh: ${outcome.spawnError}`);
  const authenticated = log.includes('Authenticated to ');
  if (!authenticated) return refusedBeforeLogin(outcome, log);
  if (outcome.aborted) return fail('aborted', 'execution was cancelled after login');
  if (outcome.timedOut) return fail('timeout', `the command did not finish within ${timeoutMs} ms`);
  if (outcome.code === null || outcome.code === SSH_FAILED)
    return fail('network_error', `the session ended without the command's exit status: ${lastLine(log)}`);
  const captured = outcome.captured.byteLength > 0 ? outcome.captured.toString('utf8') : undefined;
  return {
    ok: true,
    exitStatus: outcome.code,
    stdoutBytes: outcome.stdoutBytes,
    stderrBytes: outcome.stderrBytes,
    ...(captured !== undefined ? { captured } : {}),
  };
}

function refusedBeforeLogin(outcome: SpawnOutcome, log: string): Failure {
  if (log.includes('Host key verification failed'))
    return fail('host_key_mismatch', 'the host did not present the registered host key: refused before login');
  if (log.includes('Permission denied')) return fail('credential_refused', `the host refused the certificate: ${lastLine(log)}`);
  if (outcome.aborted) return fail('unreachable', 'cancelled before login: nothing ran');
  if (outcome.timedOut) return fail('unreachable', 'no login within the timeout: nothing ran');
  return fail('unreachable', `no login: ${lastLine(log) || `ssh exited ${String(outcome.code)}`}`);
}

function readLog(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** The last thing ssh logged, bounded: enough to tell an operator why. */
function lastLine(log: string): string {
  const lines = log.trim().split('\n').filter(Boolean);
  // eslint-disable-next-line no-control-regex -- control characters are exactly what must not reach logs
  return (lines[lines.length - 1] ?? '').replace(/[\x00-\x1f\x7f]+/g, ' ').slice(0, 200);
}
