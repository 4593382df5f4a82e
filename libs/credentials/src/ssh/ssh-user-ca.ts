import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { sshKeygen, sshValidityTime } from './ssh-keygen';

/**
 * The broker's SSH user certificate authority. Its private key is generated at run time into the
 * broker's private folder and never leaves it; hosts trust its public half (`TrustedUserCAKeys`)
 * and read the key revocation list it keeps (`RevokedKeys`). Certificates are written by OpenSSH's
 * own `ssh-keygen -s`: no certificate encoding here.
 */

export interface SshCertificateRequest {
  /** The account the certificate lets its holder log in as (`-n`). */
  principal: string;
  /** The approved command: the certificate's `force-command`, whatever the client asks to run. */
  command: string;
  notBefore: Date;
  notAfter: Date;
  /** Unique per certificate: what the revocation list names (`-z`). */
  serial: string;
  /** Names the request in sshd's log for every login (`-I`). */
  keyId: string;
}

/** What the executor gets, sealed: a fresh private key (OpenSSH format) and its certificate. */
export interface SshCertificateSecret {
  privateKey: string;
  /** The `-cert.pub` line: `ssh-ed25519-cert-v01@openssh.com AAAA... <key id>`. */
  certificate: string;
}

export interface SshUserCaPaths {
  /** The folder the CA private key lives in (the broker's private folder, or a folder of it). */
  dir: string;
  /** Where the revocation list is written; the hosts' sshd read it (copied there in a deployment). */
  revokedKeys: string;
}

const CA_KEY = 'ssh-user-ca';

export class SshUserCa {
  /** Revocations of this process, one at a time: each rewrites the list from the last one. */
  private revoking: Promise<unknown> = Promise.resolve();

  private constructor(private readonly paths: SshUserCaPaths) {}

  /** Opens the CA, generating its key (Ed25519) and an empty revocation list the first time. */
  static async open(paths: SshUserCaPaths): Promise<SshUserCa> {
    mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
    const key = join(paths.dir, CA_KEY);
    if (!existsSync(key)) await sshKeygen(['-q', '-t', 'ed25519', '-N', '', '-C', 'countersign-ssh-user-ca', '-f', key]);
    chmodSync(key, 0o600);
    if (!existsSync(paths.revokedKeys)) {
      mkdirSync(dirname(paths.revokedKeys), { recursive: true });
      await sshKeygen(['-q', '-k', '-f', paths.revokedKeys]);
    }
    return new SshUserCa(paths);
  }

  get publicKeyFile(): string {
    return join(this.paths.dir, `${CA_KEY}.pub`);
  }

  /** The line a host puts in its TrustedUserCAKeys file. */
  publicKey(): string {
    return readFileSync(this.publicKeyFile, 'utf8').trim();
  }

  get revokedKeys(): string {
    return this.paths.revokedKeys;
  }

  /**
   * A fresh Ed25519 key pair and a user certificate for it: only the principal, only the window,
   * `-O clear` (no pty, no port, agent or X11 forwarding, no user rc) and the approved command
   * forced. The key pair exists only in a private temporary folder removed before this returns.
   */
  async issue(request: SshCertificateRequest): Promise<SshCertificateSecret> {
    if (!/^\d{1,19}$/.test(request.serial)) throw new Error('serial must be a decimal 64-bit number');
    const work = mkdtempSync(join(this.paths.dir, 'issue-'));
    try {
      const key = join(work, 'key');
      await sshKeygen(['-q', '-t', 'ed25519', '-N', '', '-C', request.keyId, '-f', key]);
      await sshKeygen([
        '-q',
        ...['-s', join(this.paths.dir, CA_KEY)],
        ...['-I', request.keyId],
        ...['-n', request.principal],
        ...['-V', validity(request.notBefore, request.notAfter)],
        ...['-z', request.serial],
        ...['-O', 'clear', '-O', `force-command=${request.command}`],
        `${key}.pub`,
      ]);
      return { privateKey: readFileSync(key, 'utf8'), certificate: readFileSync(`${key}-cert.pub`, 'utf8').trim() };
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }

  /**
   * Adds the serial to the revocation list. Idempotent (a serial already listed stays listed) and
   * atomic: the list is updated in a copy and renamed over the old one, so sshd never reads half
   * a list (a list it cannot read refuses every certificate: fail closed anyway).
   */
  revoke(serial: string): Promise<void> {
    if (!/^\d{1,19}$/.test(serial)) return Promise.reject(new Error('serial must be a decimal 64-bit number'));
    const next = this.revoking.then(() => this.addToList(serial));
    this.revoking = next.catch(() => undefined);
    return next;
  }

  /** Whether the revocation list names this serial (alone or in a range, as `ssh-keygen -Q -l` lists it). */
  async isRevoked(serial: string): Promise<boolean> {
    const listing = await sshKeygen(['-Q', '-l', '-f', this.paths.revokedKeys]);
    const wanted = BigInt(serial);
    return [...listing.matchAll(/^serial: (\d+)(?:-(\d+))?$/gm)].some(
      ([, from = '0', to]) => BigInt(from) <= wanted && wanted <= BigInt(to ?? from),
    );
  }

  private async addToList(serial: string): Promise<void> {
    if (await this.isRevoked(serial)) return;
    const list = this.paths.revokedKeys;
    const work = mkdtempSync(join(this.paths.dir, 'krl-'));
    try {
      const spec = join(work, 'spec');
      const copy = join(work, 'krl');
      writeFileSync(spec, `serial: ${serial}\n`);
      copyFileSync(list, copy);
      await sshKeygen(['-q', '-k', '-u', '-f', copy, '-s', this.publicKeyFile, spec]);
      chmodSync(copy, 0o644);
      renameOver(copy, list);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
}

/**
 * A certificate serial from the credential id: unique per credential (63 bits of its SHA-256) and
 * the same however often the issue is retried, so a retried issue and its revocation agree.
 */
export function sshCertificateSerial(credentialId: string): string {
  const digest = createHash('sha256').update(`countersign-ssh-serial:${credentialId}`).digest();
  return (digest.readBigUInt64BE(0) & 0x7fff_ffff_ffff_ffffn).toString();
}

/** Whole seconds inside the window: the start rounded up, the end rounded down. */
function validity(notBefore: Date, notAfter: Date): string {
  const from = new Date(Math.ceil(notBefore.getTime() / 1000) * 1000);
  const to = new Date(Math.floor(notAfter.getTime() / 1000) * 1000);
  if (to.getTime() <= from.getTime()) throw new Error('the certificate window is empty');
  return `${sshValidityTime(from)}:${sshValidityTime(to)}`;
}

/** rename(2) is atomic within one file system; across file systems copy then rename beside it. */
function renameOver(source: string, destination: string): void {
  try {
    renameSync(source, destination);
  } catch {
    const beside = `${destination}.next`;
    copyFileSync(source, beside);
    renameSync(beside, destination);
  }
}
