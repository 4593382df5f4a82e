import type { Decider } from '@countersign/decider';
import { BudgetEventTypes, type Admission, type BudgetEvent, type BudgetName } from './budget.events';
import { countOf } from './budget-window';
import { evolveBudget, initialBudgetState, isReleased, recordedAdmission, windowAt, type BudgetState } from './budget.state';

/**
 * A submission intake would accept (the request decider said so with ADMITTED): may it open an
 * approval? Only such submissions are counted; one intake rejects for any other reason never
 * reaches an approver and is not the budget's business.
 */
export interface ClaimBudget {
  type: 'ClaimBudget';
  submissionId: string;
  requestId: string;
  /** The action digest without request id and defaulted window (joinDigestOf): what "identical" means. */
  joinDigest: string;
  /** The tier the policy routes the action to and its budgets (budgetsFor in libs/policy). */
  tier: string;
  /** People decide this tier's requests: only then does an identical pending request join (budgetsFor). */
  joins: boolean;
  submissionsPerMinute: number;
  pendingApprovals: number;
  now: string;
}

/** The request's approval was decided (or it ended otherwise): it no longer counts as pending. */
export interface ReleaseBudget {
  type: 'ReleaseBudget';
  requestId: string;
  /**
   * Only the slot this submission claimed: a submission rejected after its claim (unprocessable)
   * frees its own slot, never that of another submission accepted under the same request id.
   */
  submissionId?: string;
  now: string;
}

export type BudgetCommand = ClaimBudget | ReleaseBudget;

export function decideBudget(command: BudgetCommand, state: BudgetState): BudgetEvent[] {
  switch (command.type) {
    case 'ClaimBudget':
      return claim(command, state);
    case 'ReleaseBudget': {
      const { requestId, submissionId, now: at } = command;
      const released = { requestId, at, ...(submissionId === undefined ? {} : { submissionId }) };
      return state.pending.some((entry) => isReleased(entry, released)) ? [{ type: BudgetEventTypes.Released, data: released }] : [];
    }
    default: {
      const unreachable: never = command;
      return unreachable;
    }
  }
}

/**
 * Joining comes before the pending budget (joining opens nothing) but after the per-minute one:
 * an agent retrying in a loop is slowed down even when every retry would join. Only in tiers
 * people decide: an auto tier asks nobody, and runs the same action twice when asked twice.
 */
function claim(command: ClaimBudget, state: BudgetState): BudgetEvent[] {
  if (recordedAdmission(state, command.submissionId)) return [];
  const { submissionId, requestId, tier, now: at } = command;
  const claimed = { submissionId, requestId, tier, at };
  const refuse = (budget: BudgetName, limit: number): BudgetEvent[] => [
    { type: BudgetEventTypes.Refused, data: { ...claimed, budget, limit } },
  ];
  if (countOf(windowAt(state.recent, at), tier) >= command.submissionsPerMinute)
    return refuse('submissionsPerMinute', command.submissionsPerMinute);
  const twin = command.joins
    ? state.pending.find((entry) => entry.joinDigest === command.joinDigest && entry.requestId !== requestId)
    : undefined;
  if (twin) return [{ type: BudgetEventTypes.Joined, data: { ...claimed, joinedRequestId: twin.requestId } }];
  const pending = state.pending.filter((entry) => entry.tier === tier);
  if (pending.length >= command.pendingApprovals) return refuse('pendingApprovals', command.pendingApprovals);
  return [{ type: BudgetEventTypes.Admitted, data: { ...claimed, joinDigest: command.joinDigest } }];
}

/** What the request decider is told, from the event the ledger just decided. */
export function admissionOf(event: BudgetEvent): Admission | undefined {
  switch (event.type) {
    case BudgetEventTypes.Admitted:
      return { verdict: 'admitted' };
    case BudgetEventTypes.Joined:
      return { verdict: 'joined', joinedRequestId: event.data.joinedRequestId };
    case BudgetEventTypes.Refused:
      return { verdict: 'rate_limited', tier: event.data.tier, budget: event.data.budget, limit: event.data.limit };
    default:
      return undefined;
  }
}

/** The budget ledger's decider: one stream per requester (budgetStreamFor). */
export const budgetDecider: Decider<BudgetCommand, BudgetEvent, BudgetState> = {
  decide: decideBudget,
  evolve: evolveBudget,
  initialState: initialBudgetState,
};

/**
 * The ledger stream of a requester. Runs: when submissions carry a run attestation, a run's own
 * ledger is `budget-<requester>~run-<runId>`, claimed in addition to the requester's (HOOK: the run
 * id is passed once RequestSubmittedV1.run lands; until then every claim is per requester).
 */
export function budgetStreamFor(requester: string, runId?: string): string {
  return runId === undefined ? `budget-${requester}` : `budget-${requester}~run-${runId}`;
}
