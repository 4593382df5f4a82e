import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface ManagedChild {
  name: string;
  process: ChildProcess;
  /** Resolves with the first output line matching `marker`; rejects if the process exits first. */
  ready: Promise<string>;
  exited: Promise<number | null>;
  /** Whether the ready marker was seen (or, for a process with an operations port, readiness first passed). */
  isReady(): boolean;
  /** The operations port's base URL (`/health/ready`, `/metrics`), once the process printed it. */
  healthUrl(): string | undefined;
}

/**
 * V8 settings for every service process. A young generation of 1 MB per semi-space instead of
 * 16: services keep little short-lived data per message, and the default lets each process grow
 * by tens of MB of garbage under load before a scavenge (measured in `npm run bench`, see
 * docs/operations.md). Heap sizing can only be set on the command line.
 */
export const SERVICE_NODE_FLAGS = ['--max-semi-space-size=1'];

/**
 * Environment for every process the stack spawns. glibc's malloc gives threads that allocate at
 * the same time arenas of their own (up to 8 per core) and a Node process runs a dozen threads (V8's
 * compiler and GC workers, libuv's pool), so freed native memory stays spread over many arenas. Two
 * arenas: 8-14 MB less RSS per service, CPU per request unchanged (docs/operations.md). glibc reads
 * it when the process starts: it can only be set in the environment (the image sets it too).
 */
export const SERVICE_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };

/** A Countersign process prints its operations port first; from then on readiness, not a line, says it is up. */
const HEALTH_LINE = /COUNTERSIGN_HEALTH \S+ (http:\/\/\S+)/;
const READINESS_POLL_MS = 200;

/**
 * Spawns a process, hands every output line to `log`, and waits until it is ready: until its
 * `/health/ready` answers 200 when it prints an operations port, else until its ready marker.
 */
export function spawnManaged(
  name: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  marker: RegExp,
  log: (name: string, line: string) => void,
  cwd: string,
): ManagedChild {
  // COUNTERSIGN_CPU_PROF_DIR profiles every process the stack runs (written when it exits), for the bench.
  const profile = env.COUNTERSIGN_CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${env.COUNTERSIGN_CPU_PROF_DIR}`] : [];
  const child = spawn(process.execPath, [...profile, ...args], { cwd, env: { ...SERVICE_ENV, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let readySeen = false;
  let healthUrl: string | undefined;
  let onReady: (line: string) => void = () => undefined;
  let onEarlyExit: (error: Error) => void = () => undefined;
  const ready = new Promise<string>((resolve, reject) => {
    onReady = resolve;
    onEarlyExit = reject;
  });
  const recent: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      recent.push(line);
      if (recent.length > 40) recent.shift();
      log(name, line);
      const health = HEALTH_LINE.exec(line)?.[1];
      if (health && !healthUrl) {
        healthUrl = health;
        void untilReady(`${health}/health/ready`, child).then((ready) => {
          if (!ready) return;
          readySeen = true;
          onReady(line);
        });
      } else if (!healthUrl && marker.test(line)) {
        readySeen = true;
        onReady(line);
      }
    });
  }
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      onEarlyExit(new Error(`${name} exited with ${String(code)} before it was ready:\n${recent.join('\n')}`));
      resolve(code);
    });
  });
  return { name, process: child, ready, exited, isReady: () => readySeen, healthUrl: () => healthUrl };
}

/** Polls a readiness URL until it answers 200 (true) or the process is gone (false). */
async function untilReady(url: string, child: ChildProcess): Promise<boolean> {
  while (child.exitCode === null && child.signalCode === null) {
    const ok = await fetch(url, { signal: AbortSignal.timeout(3_000) }).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return true;
    await new Promise((resolve) => setTimeout(resolve, READINESS_POLL_MS));
  }
  return false;
}

/** A profiled process writes its .cpuprofile as it exits, which takes seconds on a loaded machine: do not kill it meanwhile. */
const defaultGraceMs = () => (process.env.COUNTERSIGN_CPU_PROF_DIR ? 60_000 : 5_000);

/** SIGTERM, then SIGKILL after a grace period; resolves once the process is gone. */
export async function stopChild(child: ManagedChild, signal: NodeJS.Signals = 'SIGTERM', graceMs = defaultGraceMs()): Promise<void> {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return;
  const kill = setTimeout(() => child.process.kill('SIGKILL'), graceMs);
  child.process.kill(signal);
  await child.exited;
  clearTimeout(kill);
}
