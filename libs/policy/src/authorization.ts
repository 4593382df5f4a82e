/**
 * Cedar's answers, as data. The approval shell evaluates the Cedar policies (WebAssembly, outside
 * any decider) and hands the answers in; everything that follows from them here stays pure.
 */
export const CEDAR_ACTIONS = ['Request', 'Approve', 'AutoApprove'] as const;
export type CedarAction = (typeof CEDAR_ACTIONS)[number];

export interface Verdict {
  allowed: boolean;
  /** Ids of the policies that determined the answer: permits when allowed, forbids when denied. */
  policies: string[];
  /** Evaluation failed, or a policy errored: the answer is then always deny (fail closed). */
  errors?: string[];
}

/** Everything Cedar said about one request. */
export interface Authorization {
  /** May the requester ask for this action at all? */
  request: Verdict;
  /** May the policy itself approve it (auto tiers)? */
  autoApprove: Verdict;
  /** Per approver identity; an approver missing here may not vote (fail closed). */
  approve: Readonly<Record<string, Verdict>>;
}

export const DENIED_UNEVALUATED: Verdict = { allowed: false, policies: [], errors: ['not evaluated'] };

/**
 * Stamp rules for one answer: `cedar:<action>:<allow|deny>:<policy id>`, with `no-permit` when
 * nothing permitted it and `error` when Cedar could not decide.
 */
export function verdictRules(action: CedarAction, verdict: Verdict): string[] {
  if (verdict.errors !== undefined && verdict.errors.length > 0) return [`cedar:${action}:deny:error`];
  const effect = verdict.allowed ? 'allow' : 'deny';
  if (verdict.policies.length === 0) return [`cedar:${action}:${effect}:${verdict.allowed ? 'unknown' : 'no-permit'}`];
  return verdict.policies.map((id) => `cedar:${action}:${effect}:${id}`);
}

/** Whether the answer lets the action happen: allowed, and without errors. */
export function isAllowed(verdict: Verdict | undefined): boolean {
  return verdict !== undefined && verdict.allowed && (verdict.errors === undefined || verdict.errors.length === 0);
}
