import { SERVICE_NAMES, type ServiceName } from '@countersign/contracts';
import type { Stack } from '@countersign/stack';
import type { ChaosRequester } from './flows';

/** Settings of one chaos run, from the environment (documented in docs/operations.md). */
export interface ChaosSettings {
  flows: number;
  killEveryMs: number;
  /** Submissions per second while chaos runs. */
  rate: number;
  /** Hostile submissions interleaved with the flows. */
  hostile: number;
  /** Kills go on at least this long, even when the submissions are all sent sooner. */
  minChaosMs: number;
  /** Settling ends when every flow has its outcome, or when no new outcome arrived for this long. */
  stallMs: number;
  /** And at the latest this long after the last kill. */
  settleTimeoutMs: number;
}

export function chaosSettings(env: NodeJS.ProcessEnv = process.env): ChaosSettings {
  const ci = env.CI === 'true';
  const flows = Number(env.CHAOS_FLOWS ?? (ci ? 200 : 1_000));
  return {
    flows,
    killEveryMs: Number(env.CHAOS_KILL_EVERY_MS ?? 3_000),
    rate: Number(env.CHAOS_RATE ?? 10),
    hostile: Number(env.CHAOS_HOSTILE ?? Math.max(6, Math.round(flows / 50))),
    minChaosMs: Number(env.CHAOS_MIN_CHAOS_MS ?? 45_000),
    stallMs: Number(env.CHAOS_STALL_MS ?? 90_000),
    settleTimeoutMs: Number(env.CHAOS_SETTLE_TIMEOUT_MS ?? 30 * 60_000),
  };
}

/** SIGKILLs a random running service every `everyMs`; the stack's supervisor brings it back. */
export class Killer {
  readonly kills: Array<{ service: ServiceName; at: number }> = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly stack: Stack,
    private readonly everyMs: number,
    private readonly random: () => number = Math.random,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.killOne(), this.everyMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  get lastKillAt(): number {
    return this.kills.at(-1)?.at ?? Date.now();
  }

  private killOne(): void {
    // Only a service that is up: killing one still starting up would only test the back-off.
    const up = SERVICE_NAMES.filter((name) => this.stack.isUp(name));
    const victim = up[Math.floor(this.random() * up.length)];
    if (victim && this.stack.kill(victim, 'SIGKILL')) this.kills.push({ service: victim, at: Date.now() });
  }
}

/**
 * Submissions that must cost the valid ones nothing (issue 10's loss came after a hostile run):
 * bytes that are not JSON, a tampered signature (both dead-lettered, unanswerable: nobody
 * authentic sent them) and authentic submissions with an invalid payload (answered `rejected`).
 * Deep nesting is left to the hostile suite, which owns the depth limits.
 */
export async function sendHostile(requester: ChaosRequester, index: number): Promise<{ answerable?: string }> {
  switch (index % 3) {
    case 0: {
      await requester.publish(Buffer.from(`not json ${index} {{{`), `hostile-${index}-${Date.now()}`);
      return {};
    }
    case 1: {
      const envelope = requester.signed({ requestId: crypto.randomUUID(), action: { kind: 'http.request' }, reason: 'tampered' });
      const tampered = { ...envelope, signature: `${envelope.signature.slice(0, -4)}AAAA` };
      await requester.publish(Buffer.from(JSON.stringify(tampered)), envelope.id);
      return {};
    }
    default: {
      const requestId = crypto.randomUUID();
      const envelope = requester.signed({
        requestId,
        action: { kind: 'http.request', target: 'demo-target', environment: 'staging', parameters: { method: 'POST', path: '/deploy' } },
        reason: 'mislabelled environment',
      });
      await requester.publish(Buffer.from(JSON.stringify(envelope)), envelope.id);
      return { answerable: requestId };
    }
  }
}

/**
 * Waits while outcomes keep arriving: a loaded machine may need long to work off the backlog,
 * but a flow that is lost makes no progress, so `stallMs` without a new outcome ends the wait.
 */
export async function settle(outstanding: () => number, settings: Pick<ChaosSettings, 'stallMs' | 'settleTimeoutMs'>): Promise<void> {
  const deadline = Date.now() + settings.settleTimeoutMs;
  let last = outstanding();
  let lastProgress = Date.now();
  while (last > 0 && Date.now() < deadline && Date.now() - lastProgress < settings.stallMs) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const now = outstanding();
    if (now < last) lastProgress = Date.now();
    last = now;
  }
}

export async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs: number, intervalMs = 250): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Effects the demo target recorded, per request id. */
export async function effectCounts(stack: Stack): Promise<Map<string, number>> {
  const response = await fetch(`${stack.demoTargetUrl}/effects`);
  const { effects } = (await response.json()) as { effects: Array<{ requestId: string }> };
  const counts = new Map<string, number>();
  for (const { requestId } of effects) counts.set(requestId, (counts.get(requestId) ?? 0) + 1);
  return counts;
}
