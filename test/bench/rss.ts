import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The pids the stack's supervisor wrote (`<home>/run/<name>.pid`) for the named processes. */
export function stackPids(home: string, names: readonly string[]): Record<string, number> {
  const pids: Record<string, number> = {};
  for (const name of names) {
    const file = join(home, 'run', `${name}.pid`);
    if (existsSync(file)) pids[name] = Number(readFileSync(file, 'utf8'));
  }
  return pids;
}

/** A line of a live process's /proc status in kB as MB (VmHWM: the peak; VmRSS: now); undefined once it is gone. */
function statusMb(pid: number, field: 'VmHWM' | 'VmRSS'): number | undefined {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Math.round(Number(match[1]) / 102.4) / 10 : undefined;
  } catch {
    return undefined;
  }
}

/** Peak resident set size (VmHWM) of each process, in MB; null once it is gone. */
export const peakRss = (pids: Record<string, number>) => statusOf(pids, 'VmHWM');

/** Resident set size (VmRSS) of each process now, in MB. */
export const currentRss = (pids: Record<string, number>) => statusOf(pids, 'VmRSS');

function statusOf(pids: Record<string, number>, field: 'VmHWM' | 'VmRSS'): Record<string, number | null> {
  return Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, statusMb(pid, field) ?? null]));
}

/** CPU seconds (user + system) a process has used so far. */
export function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/**
 * Waits until every process uses under `share` of a core over a second (e.g. done replaying its
 * history). Start-up replays of 10^6 events on a loaded 2-core machine take minutes.
 */
export async function waitIdle(pids: Record<string, number>, share = 0.1, timeoutMs = 1_800_000): Promise<number> {
  const started = Date.now();
  for (;;) {
    const before = Object.values(pids).map(cpuSeconds);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const busy = Object.values(pids).some((pid, index) => cpuSeconds(pid) - before[index]! > share);
    if (!busy || Date.now() - started > timeoutMs) return (Date.now() - started) / 1000;
  }
}

/** CPU seconds used so far by each named process. */
export function cpuOf(pids: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuSeconds(pid)]));
}

/** CPU milliseconds per request each process spent between two readings (less sensitive to the machine's other load than latency). */
export function cpuMsPerRequest(before: Record<string, number>, after: Record<string, number>, requests: number): Record<string, number> {
  return Object.fromEntries(
    Object.keys(before).map((name) => [name, Math.round(((after[name]! - before[name]!) * 10_000) / requests) / 10]),
  );
}
