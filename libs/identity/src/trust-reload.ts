import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { TrustStore } from './trust-store';

export interface ReloadLogger {
  log(message: string): void;
  warn(message: string): void;
}

export type ReloadOutcome = 'unchanged' | 'reloaded' | 'refused';

/**
 * The trust store a running service believes, re-read from trust.json while it runs, so a key
 * rotation (a new key added, an old one retired or revoked) reaches every service without stopping
 * any. Polls the file's bytes (a rename, a copy or an edit in place are all seen; file-system events
 * miss some of those). A new version replaces the old one in a single assignment, only once it has
 * parsed and every key imported; a file that does not (half-written, hand-edited badly, deleted)
 * leaves the previous store in force and is logged. Unknown keys therefore stay unknown: refused.
 */
export class ReloadingTrustStore {
  private store: TrustStore;
  private digest: string;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly path: string,
    private readonly logger: ReloadLogger,
  ) {
    if (!existsSync(path)) throw new Error(`trust store not found at ${path}: run provisioning first (npm run provision)`);
    const bytes = readFileSync(path);
    this.store = TrustStore.parse(JSON.parse(bytes.toString('utf8')) as unknown);
    this.digest = digestOf(bytes);
  }

  get current(): TrustStore {
    return this.store;
  }

  /** Reads the file once; the poll calls it, and tests and operators can call it directly. */
  reload(): ReloadOutcome {
    let bytes: Buffer;
    try {
      bytes = readFileSync(this.path);
    } catch (error) {
      this.logger.warn(`trust store ${this.path} unreadable, keeping the loaded one: ${(error as Error).message}`);
      return 'refused';
    }
    const digest = digestOf(bytes);
    if (digest === this.digest) return 'unchanged';
    try {
      const next = TrustStore.parse(JSON.parse(bytes.toString('utf8')) as unknown);
      this.store = next;
      this.digest = digest;
      this.logger.log(`trust store reloaded from ${this.path} (sha256 ${digest.slice(0, 16)})`);
      return 'reloaded';
    } catch (error) {
      // Remembered so a broken file is reported once, not on every poll; a fixed one differs again.
      this.digest = digest;
      this.logger.warn(`trust store ${this.path} refused, keeping the loaded one: ${(error as Error).message.slice(0, 500)}`);
      return 'refused';
    }
  }

  start(intervalMs: number): void {
    this.stop();
    this.timer = setInterval(() => this.reload(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

function digestOf(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
