import type { Verdict } from '@countersign/policy';

/** Distinct questions kept: requesters × action shapes × tiers in use, with room to spare. */
export const VERDICT_MEMO_SIZE = 1024;

/**
 * Cedar's answers to questions already asked, by everything the question sends except the request's
 * own id. When no policy names a request by its id (CompiledCedar.namesEntities), Cedar cannot tell
 * one request from another with the same attributes: it has no operator that reads an id, and a
 * `Request` is only ever compared with itself. So the same requester asking for the same kind,
 * target, environment, sensitivity and amount under the same tier, policy set and registry gets the
 * answer Cedar gave the last such request. Only clean answers are kept (a denial with errors is
 * asked again: its messages name the request). Bounded: the oldest entry goes first.
 */
export class VerdictMemo {
  private readonly kept = new Map<string, Verdict>();

  constructor(private readonly size = VERDICT_MEMO_SIZE) {}

  answer(key: string, ask: () => Verdict): Verdict {
    const kept = this.kept.get(key);
    if (kept !== undefined) return copyOf(kept);
    const verdict = ask();
    if (verdict.errors === undefined) {
      this.kept.set(key, copyOf(verdict));
      if (this.kept.size > this.size) this.kept.delete(this.kept.keys().next().value!);
    }
    return verdict;
  }
}

/** Each caller gets its own arrays: a verdict handed out is never shared with the next one. */
function copyOf(verdict: Verdict): Verdict {
  return { ...verdict, policies: [...verdict.policies] };
}
