import { z } from 'zod';

function isServerUrl(entry: string): boolean {
  try {
    const url = new URL(entry);
    return (url.protocol === 'nats:' || url.protocol === 'tls:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/**
 * Why a server list (COUNTERSIGN_NATS_URL: one URL, or every cluster node comma-separated so the
 * client fails over when one dies) is unusable; undefined when it is fine. Names entries by position
 * only: a URL may carry a password.
 */
export function natsServerListProblem(value: string | readonly string[]): string | undefined {
  const entries = typeof value === 'string' ? value.split(',') : value;
  if (entries.length === 0) return 'no NATS server URL given';
  const bad = entries.map((entry, index) => (isServerUrl(entry.trim()) ? -1 : index + 1)).filter((index) => index > 0);
  if (bad.length === 0) return undefined;
  return `entry ${bad.join(', ')} of the NATS server list is not a nats:// or tls:// URL (a list is comma-separated)`;
}

/** The servers to hand to the NATS client, from one URL, a comma-separated list or an array. */
export function natsServers(value: string | readonly string[]): string[] {
  const problem = natsServerListProblem(value);
  if (problem) throw new Error(problem);
  return (typeof value === 'string' ? value.split(',') : [...value]).map((entry) => entry.trim());
}

/** COUNTERSIGN_NATS_URL as every process's environment schema reads it (natsServerListProblem). */
export const NatsServersSetting = z
  .string()
  .superRefine((value, ctx) => {
    const problem = natsServerListProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .default('nats://127.0.0.1:4322');
