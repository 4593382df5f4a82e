import type { CanonicalAction } from '@countersign/contracts';
import { selectRoute } from './policy.route';
import { FALLBACK_TIER, type Budgets, type Policy } from './policy.schema';

/**
 * Budgets when neither the policy nor the tier sets one. Generous enough for an automation that
 * works normally, small enough that a loop or a spammer cannot bury approvers: nobody reviews
 * more than a handful of one requester's requests at once.
 */
export const DEFAULT_BUDGETS: Required<Budgets> = {
  submissionsPerMinute: 120,
  pendingApprovals: 10,
  runSubmissionsPerMinute: 30,
  runPendingApprovals: 3,
};

/** The budgets in force for one action: the tier it is routed to, and that tier's limits. */
export interface TierBudgets extends Required<Budgets> {
  tier: string;
  /**
   * People decide requests of this tier (a quorum tier, or an auto tier once the policy is
   * overdue). Only then does an identical pending request join: an auto tier opens no approval,
   * and automation that runs the same action twice on purpose gets it run twice.
   */
  peopleDecide: boolean;
}

/**
 * The tier is chosen by the same routing the approval service uses (selectRoute), so intake
 * counts a request against the budgets of the tier that will decide it. Field by field: the
 * tier's own, else the policy's, else DEFAULT_BUDGETS.
 */
export function budgetsFor(policy: Policy, action: CanonicalAction, now: string): TierBudgets {
  const { tier, mode, overdue } = selectRoute(policy, action, now);
  const own = tier === FALLBACK_TIER ? policy.fallback.budgets : policy.tiers.find((candidate) => candidate.name === tier)?.budgets;
  return { tier, peopleDecide: mode === 'quorum' || overdue, ...DEFAULT_BUDGETS, ...policy.budgets, ...own };
}
