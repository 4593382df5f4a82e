import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface ManagedChild {
  name: string;
  process: ChildProcess;
  /** Resolves with the first output line matching `marker`; rejects if the process exits first. */
  ready: Promise<string>;
  exited: Promise<number | null>;
  /** Whether the ready marker was seen. */
  isReady(): boolean;
}

/**
 * V8 settings for every service process. A young generation of 1 MB per semi-space instead of
 * 16: services keep little short-lived data per message, and the default lets each process grow
 * by tens of MB of garbage under load before a scavenge (measured in `npm run bench`, see
 * docs/operations.md). Heap sizing can only be set on the command line.
 */
export const SERVICE_NODE_FLAGS = ['--max-semi-space-size=1'];

/** Spawns a process, hands every output line to `log`, and waits for its ready marker. */
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
  const child = spawn(process.execPath, [...profile, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let readySeen = false;
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
      if (marker.test(line)) {
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
  return { name, process: child, ready, exited, isReady: () => readySeen };
}

/** SIGTERM, then SIGKILL after a grace period; resolves once the process is gone. */
export async function stopChild(child: ManagedChild, signal: NodeJS.Signals = 'SIGTERM', graceMs = 5_000): Promise<void> {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return;
  const kill = setTimeout(() => child.process.kill('SIGKILL'), graceMs);
  child.process.kill(signal);
  await child.exited;
  clearTimeout(kill);
}
