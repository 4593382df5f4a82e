/**
 * The budget ledger: one stream per requester (see budgetStreamFor) in intake's own store, never
 * on the wire. It decides, one submission at a time, whether a submission intake would accept
 * may open an approval (admitted), joins one still pending (joined) or is refused (refused).
 */
export const BudgetEventTypes = {
  Admitted: 'local.intake.budget.admitted',
  Joined: 'local.intake.budget.joined',
  Refused: 'local.intake.budget.refused',
  Released: 'local.intake.budget.released',
} as const;

/** Which budget a refusal exhausted; the names of the policy's `budgets` fields. */
export type BudgetName = 'submissionsPerMinute' | 'pendingApprovals';

interface Claimed {
  submissionId: string;
  requestId: string;
  /** The policy tier the request is routed to: budgets are counted per tier. */
  tier: string;
  at: string;
}

export interface BudgetAdmitted {
  type: typeof BudgetEventTypes.Admitted;
  data: Claimed & { joinDigest: string };
}

export interface BudgetJoined {
  type: typeof BudgetEventTypes.Joined;
  data: Claimed & { joinedRequestId: string };
}

export interface BudgetRefused {
  type: typeof BudgetEventTypes.Refused;
  data: Claimed & { budget: BudgetName; limit: number };
}

export interface BudgetReleased {
  type: typeof BudgetEventTypes.Released;
  data: { requestId: string; at: string; submissionId?: string };
}

export type BudgetEvent = BudgetAdmitted | BudgetJoined | BudgetRefused | BudgetReleased;

/** What the request decider is told about a submission it would accept (HandleSubmission.admission). */
export type Admission =
  | { verdict: 'admitted' }
  | { verdict: 'joined'; joinedRequestId: string }
  | { verdict: 'rate_limited'; tier: string; budget: BudgetName; limit: number };

export const ADMITTED: Admission = { verdict: 'admitted' };
