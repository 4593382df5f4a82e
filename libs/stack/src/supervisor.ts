import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stopChild, type ManagedChild } from './child';

/** How a supervised process that exits on its own is brought back. */
export interface SupervisionPolicy {
  /** Delay before the first restart of a streak; it doubles with each restart in the streak. */
  initialDelayMs: number;
  /** The back-off never waits longer than this. */
  maxDelayMs: number;
  /** A process that ran this long before exiting starts a new streak (it was not crash-looping). */
  stableAfterMs: number;
}

export const DEFAULT_SUPERVISION: SupervisionPolicy = { initialDelayMs: 1_000, maxDelayMs: 30_000, stableAfterMs: 10_000 };

/** The wait before restart number `streak` (1-based) of a streak: 1 s, 2 s, 4 s … up to the cap. */
export function restartDelay(policy: SupervisionPolicy, streak: number): number {
  const exponent = Math.min(Math.max(streak, 1) - 1, 30);
  return Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** exponent);
}

interface Entry {
  child?: ManagedChild;
  /** False once the supervisor was asked to stop it: its exit is then not a failure. */
  wanted: boolean;
  startedAt: number;
  streak: number;
  restarts: number;
  timer?: NodeJS.Timeout;
}

export interface SupervisorOptions {
  spawn: (name: string) => ManagedChild;
  /** Undefined: processes that exit stay down (the tests' own start/stop drive them). */
  policy?: SupervisionPolicy;
  log: (name: string, line: string) => void;
  /** Where `<name>.pid` files are kept while processes run, for `scripts/restart-service.js`. */
  runDir?: string;
}

/**
 * Runs the stack's processes and, when given a policy, restarts one that exits without being asked
 * to (crash, OOM, SIGKILL, or an operator's `kill` to restart it), with exponential back-off.
 */
export class Supervisor {
  private readonly entries = new Map<string, Entry>();
  private closing = false;

  constructor(private readonly options: SupervisorOptions) {
    if (options.runDir) mkdirSync(options.runDir, { recursive: true, mode: 0o700 });
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  /** Starts (or starts again) `name` and resolves once it is ready. */
  async start(name: string): Promise<void> {
    const entry = this.entries.get(name) ?? { wanted: true, startedAt: 0, streak: 0, restarts: 0 };
    this.entries.set(name, entry);
    entry.wanted = true;
    clearTimeout(entry.timer);
    await this.launch(name, entry).ready;
  }

  /** Stops `name` for good (until start): no restart follows. */
  async stop(name: string, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const entry = this.entries.get(name);
    if (!entry) return;
    entry.wanted = false;
    clearTimeout(entry.timer);
    if (entry.child) await stopChild(entry.child, signal);
  }

  /** Sends `signal` as an outside party would; a supervised process then comes back by itself. */
  kill(name: string, signal: NodeJS.Signals = 'SIGKILL'): boolean {
    const process = this.entries.get(name)?.child?.process;
    if (!process || process.exitCode !== null || process.signalCode !== null) return false;
    return process.kill(signal);
  }

  /** Whether `name` is running and has printed its ready line. */
  isUp(name: string): boolean {
    const child = this.entries.get(name)?.child;
    return child !== undefined && child.process.exitCode === null && child.process.signalCode === null && child.isReady();
  }

  /** The operations port's base URL of the running `name`, when it has one. */
  healthUrl(name: string): string | undefined {
    return this.entries.get(name)?.child?.healthUrl();
  }

  restarts(name: string): number {
    return this.entries.get(name)?.restarts ?? 0;
  }

  /** Stops everything, and nothing is restarted any more. */
  async shutdown(): Promise<void> {
    this.closing = true;
    await Promise.all(this.names().map((name) => this.stop(name)));
  }

  private launch(name: string, entry: Entry): ManagedChild {
    const child = this.options.spawn(name);
    entry.child = child;
    entry.startedAt = Date.now();
    this.writePid(name, child.process.pid);
    child.ready.catch(() => undefined); // an early exit is handled below, like any other exit
    void child.exited.then((code) => this.onExit(name, entry, child, code));
    return child;
  }

  private onExit(name: string, entry: Entry, child: ManagedChild, code: number | null): void {
    if (entry.child !== child) return;
    this.writePid(name, undefined);
    const { policy } = this.options;
    if (!entry.wanted || this.closing || !policy) return;
    entry.streak = Date.now() - entry.startedAt >= policy.stableAfterMs ? 1 : entry.streak + 1;
    entry.restarts += 1;
    const delay = restartDelay(policy, entry.streak);
    const how = child.process.signalCode ? `signal ${child.process.signalCode}` : `code ${String(code)}`;
    this.options.log('supervisor', `${name} exited (${how}); restarting in ${seconds(delay)} (restart ${entry.restarts})`);
    entry.timer = setTimeout(() => {
      if (!entry.wanted || this.closing) return;
      const next = this.launch(name, entry);
      next.ready.then(
        () => this.options.log('supervisor', `${name} is back (restart ${entry.restarts})`),
        () => undefined,
      );
    }, delay);
  }

  private writePid(name: string, pid: number | undefined): void {
    if (!this.options.runDir) return;
    const file = join(this.options.runDir, `${name}.pid`);
    if (pid === undefined) rmSync(file, { force: true });
    else writeFileSync(file, `${pid}\n`);
  }
}

function seconds(ms: number): string {
  return ms % 1_000 === 0 ? `${ms / 1_000} s` : `${(ms / 1_000).toFixed(1)} s`;
}
