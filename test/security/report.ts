import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Where every spec appends one line per attack class. `scripts/security-summary.js` empties it
 * before the run and prints the table and the final JSON line after Jest has finished, because
 * no spec can know that it runs last.
 */
export const RESULTS_FILE = join(__dirname, '..', '..', 'test-results', 'security', 'attacks.jsonl');

/** The layer that is meant to stop an attack: what docs/security.md calls the three layers, plus the domain rules. */
export type Layer = 'bus' | 'signature' | 'subject' | 'domain' | 'credential' | 'target' | 'audit-chain';

export interface AttackTally {
  /** Which spec file tried it. */
  suite: string;
  /** One line in the table, e.g. `intake publishes RequestApproved (bus)`. */
  attack: string;
  layer: Layer;
  tried: number;
  /** Attempts that changed no state and caused no effect (or were denied by the bus). */
  rejected: number;
  /**
   * Attempts that reached a Countersign consumer and so must be on the audit stream. Bus denials
   * never reach one: nats-server refuses them before any service sees a byte.
   */
  auditable: number;
  /** Attempts whose refusal was found on the real audit stream (dead letter, vote rejection, ...). */
  audited: number;
  /** Effects at the demo target caused by these attempts. */
  executions: number;
  /** Seeds, codes seen, anything a reader needs to reproduce or judge the row. */
  notes?: string[];
}

export function recordAttack(tally: AttackTally): void {
  mkdirSync(dirname(RESULTS_FILE), { recursive: true });
  appendFileSync(RESULTS_FILE, `${JSON.stringify(tally)}\n`);
}

/** A tally whose every attempt is judged by one predicate per question. */
export function tallyOf<T>(
  base: Pick<AttackTally, 'suite' | 'attack' | 'layer'> & { notes?: string[] },
  attempts: readonly T[],
  judge: { rejected: (attempt: T) => boolean; auditable: (attempt: T) => boolean; audited: (attempt: T) => boolean },
  executions = 0,
): AttackTally {
  const count = (predicate: (attempt: T) => boolean) => attempts.filter(predicate).length;
  return {
    ...base,
    tried: attempts.length,
    rejected: count(judge.rejected),
    auditable: count(judge.auditable),
    audited: count((attempt) => judge.auditable(attempt) && judge.audited(attempt)),
    executions,
  };
}

/** Counts of codes, for the notes column: `bad_signature×12, unknown_key×3`. */
export function codeCounts(codes: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const code of codes) counts.set(code, (counts.get(code) ?? 0) + 1);
  return [...counts].map(([code, n]) => `${code}×${n}`).join(', ');
}
