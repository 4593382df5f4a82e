import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port';
import { stopNatsProcess } from './nats-server';
import { untilReady } from './ready';

/**
 * A real OpenSSH server (Debian's openssh-server) for tests and the demo: its own host key, a
 * trusted user CA, a key revocation list, certificates only (no authorized_keys, no passwords),
 * one local account to log in as. It must run as root: sshd switches to the account it logs in.
 */

export const SSHD = '/usr/sbin/sshd';
export const SSHD_INSTALL_HINT =
  'sshd is not installed. Install it with: sudo apt-get install -y openssh-server openssh-client (Debian/Ubuntu).';
/** The account the demo and the tests log in as unless told otherwise (created when missing). */
export const DEFAULT_SSH_ACCOUNT = 'cs-runner';

export interface SshdOptions {
  /** The file of CA public keys whose user certificates sshd accepts (`TrustedUserCAKeys`). */
  trustedUserCaKeys: string;
  /** The key revocation list sshd reads on every login (`RevokedKeys`); an empty one is created if missing. */
  revokedKeys?: string;
  /** The local account to log in as; created (no password, `/bin/sh`) when missing. */
  account?: string;
  /** Working directory for configuration, host key, pid and log; a fresh temporary one by default. */
  dir?: string;
  port?: number;
}

export interface RunningSshd {
  host: string;
  port: number;
  /** `ssh://127.0.0.1:<port>`, as the target registry names it. */
  address: string;
  /** The host's public key line (`ssh-ed25519 AAAA...`), what a client pins. */
  hostKey: string;
  account: string;
  revokedKeys: string;
  dir: string;
  /** What sshd logged so far (its `-e` output, also in `<dir>/sshd.log`): who logged in, which certificate was refused and why. */
  log(): string;
  /** Stops sshd and removes the directory unless `keep` (or a directory was given). */
  stop(options?: { keep?: boolean }): Promise<void>;
}

/** Why a real sshd cannot be started here, or undefined when it can. */
export function sshdUnavailableReason(): string | undefined {
  if (!existsSync(SSHD)) return SSHD_INSTALL_HINT;
  if (spawnSync('ssh-keygen', ['-?'], { stdio: 'ignore' }).error) return SSHD_INSTALL_HINT;
  if (spawnSync('ssh', ['-V'], { stdio: 'ignore' }).error) return SSHD_INSTALL_HINT;
  if (process.getuid?.() !== 0) return 'sshd must run as root to log a user in (run the suite as root, e.g. in the dev container)';
  return undefined;
}

/** Starts sshd on a free loopback port; resolves once it listens. */
export async function startSshd(options: SshdOptions): Promise<RunningSshd> {
  const reason = sshdUnavailableReason();
  if (reason) throw new Error(reason);
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'countersign-sshd-'));
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const account = options.account ?? DEFAULT_SSH_ACCOUNT;
  ensureSshAccount(account);
  const port = options.port ?? (await freePort());
  const hostKeyPath = join(dir, 'ssh_host_ed25519_key');
  if (!existsSync(hostKeyPath)) keygen(['-q', '-t', 'ed25519', '-N', '', '-C', '', '-f', hostKeyPath]);
  chmodSync(hostKeyPath, 0o600);
  const revokedKeys = options.revokedKeys ?? join(dir, 'revoked.krl');
  if (!existsSync(revokedKeys)) keygen(['-q', '-k', '-f', revokedKeys]);
  const configPath = join(dir, 'sshd_config');
  writeFileSync(configPath, sshdConfig({ port, dir, hostKeyPath, account, revokedKeys, trusted: options.trustedUserCaKeys }));
  // The privilege-separation directory Debian's package creates at boot; missing in containers.
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const output = { text: '' };
  const child = await launchSshd(configPath, output, join(dir, 'sshd.log'));
  const hostKey = publicKeyLine(readFileSync(`${hostKeyPath}.pub`, 'utf8'));
  return {
    host: '127.0.0.1',
    port,
    address: `ssh://127.0.0.1:${port}`,
    hostKey,
    account,
    revokedKeys,
    dir,
    log: () => output.text,
    async stop({ keep = false } = {}) {
      await stopNatsProcess(child);
      if (!keep && !options.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Certificates only: no authorized_keys, no passwords, no PAM (so no account stack to configure).
 * The certificate's principals must name the account (sshd's default without
 * AuthorizedPrincipalsFile). Nothing here restricts commands, ptys or forwarding: the certificate
 * alone must do that, which is what the tests prove.
 */
function sshdConfig(settings: { port: number; dir: string; hostKeyPath: string; account: string; revokedKeys: string; trusted: string }) {
  return [
    `ListenAddress 127.0.0.1:${settings.port}`,
    `HostKey ${settings.hostKeyPath}`,
    `PidFile ${join(settings.dir, 'sshd.pid')}`,
    `TrustedUserCAKeys ${settings.trusted}`,
    `RevokedKeys ${settings.revokedKeys}`,
    'AuthorizedKeysFile none',
    'AuthorizedPrincipalsFile none',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'HostbasedAuthentication no',
    'UsePAM no',
    'PermitRootLogin no',
    `AllowUsers ${settings.account}`,
    'MaxAuthTries 3',
    'LoginGraceTime 15',
    'UseDNS no',
    'LogLevel VERBOSE',
    '',
  ].join('\n');
}

function launchSshd(configPath: string, output: { text: string }, logFile: string, readyTimeoutMs = 10_000): Promise<ChildProcess> {
  const child = spawn(SSHD, ['-D', '-e', '-f', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  const onOutput = (chunk: Buffer) => {
    output.text += chunk.toString();
    appendFileSync(logFile, chunk);
  };
  return untilReady(child, { marker: 'Server listening on', what: 'sshd', timeoutMs: readyTimeoutMs, onOutput });
}

/**
 * The local account requests log in as. Created as a system account with a home and `/bin/sh`
 * when missing; its password field is set to `*` (no password can match) because sshd without
 * PAM refuses an account whose password is locked (`!`), even for certificate logins.
 */
export function ensureSshAccount(account: string): void {
  if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(account)) throw new Error(`not an account name: ${account}`);
  if (spawnSync('id', ['-u', account], { stdio: 'ignore' }).status !== 0) {
    run('useradd', ['--system', '--create-home', '--user-group', '--shell', '/bin/sh', account]);
  }
  const shadow = spawnSync('getent', ['shadow', account], { encoding: 'utf8' }).stdout ?? '';
  if (shadow.split(':')[1]?.startsWith('!')) run('usermod', ['-p', '*', account]);
}

/** `ssh-keygen` with arguments (never a shell); throws with its output when it fails. */
function keygen(args: string[]): void {
  run('ssh-keygen', args);
}

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.error?.message ?? result.stderr}`);
}

/** `type base64` of a public key file, without its comment. */
function publicKeyLine(text: string): string {
  const [type, key] = text.trim().split(/\s+/);
  return `${type} ${key}`;
}
