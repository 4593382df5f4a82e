import type { CanonicalAction } from '@countersign/contracts';
import { matchRules, unjudgeableAmount } from './policy.match';
import { FALLBACK_TIER, type Escalation, type IntentPart, type Policy, type ReviewSpec, type Tier } from './policy.schema';

/** Stamp rule added to every decision taken after the policy's `reviewBy` date. */
export const REVIEW_OVERDUE_RULE = 'policy:review-overdue';
/** Stamp rule of a break-glass tier. */
export const BREAK_GLASS_RULE = 'breakglass';
/** Stamp rule when a request invoked break-glass but no break-glass tier takes it: routed as usual. */
export const BREAK_GLASS_UNAVAILABLE_RULE = 'breakglass:unavailable';

/** The tier a request falls in, as written in the policy, before Cedar has had its say. */
export interface Route {
  tier: string;
  rules: string[];
  mode: 'auto' | 'quorum';
  /** Quorum tiers only. */
  quorum: number | undefined;
  groups: string[];
  pendingTtlSeconds: number | undefined;
  executionWindowSeconds: number | undefined;
  escalation: Escalation | undefined;
  /** A break-glass tier took the request; it then owes a review. */
  breakGlass: boolean;
  review: ReviewSpec | undefined;
  /** Approvals must be signed with the approver's own key; a relayed channel click does not count. */
  stepUp: boolean;
  /** The policy's `reviewBy` date has passed: auto tiers need people (fail closed). */
  overdue: boolean;
  /** The change intent the tier demands (see requiredIntentGaps). */
  requires: IntentPart[];
}

/** True once the whole `reviewBy` day (UTC) has passed. */
export function isReviewOverdue(policy: Pick<Policy, 'reviewBy'>, now: string): boolean {
  const endOfReviewDay = Date.parse(`${policy.reviewBy}T00:00:00.000Z`) + 24 * 60 * 60 * 1000;
  return Date.parse(now) >= endOfReviewDay;
}

/**
 * The first matching tier wins; no match goes to the human fallback tier. Break-glass tiers take
 * only requests that invoke break-glass, and ordinary tiers route any such request no such tier took.
 */
export function selectRoute(policy: Policy, action: CanonicalAction, now: string): Route {
  const overdue = isReviewOverdue(policy, now);
  // Before any tier: an amount no threshold can judge must not slip into a cheaper (or auto) tier.
  const unjudgeable = unjudgeableAmount(policy, action);
  if (unjudgeable) return withRule(strictestRoute(policy, overdue), unjudgeable);
  const invoked = action.breakGlass === true;
  for (const tier of policy.tiers) {
    if ((tier.breakGlass === true) !== invoked) continue;
    const matched = matchRules(tier.match, action);
    if (matched) return tierRoute(tier, matched, overdue);
  }
  if (invoked) return withRule(selectRoute(policy, { ...action, breakGlass: undefined }, now), BREAK_GLASS_UNAVAILABLE_RULE);
  return fallbackRoute(policy, overdue);
}

function tierRoute(tier: Tier, matched: string[], overdue: boolean): Route {
  return {
    tier: tier.name,
    rules: [`tier:${tier.name}`, ...(tier.breakGlass ? [BREAK_GLASS_RULE] : []), ...matched],
    mode: tier.mode,
    quorum: tier.quorum,
    groups: tier.groups ?? [],
    pendingTtlSeconds: tier.pendingTtlSeconds,
    executionWindowSeconds: tier.executionWindowSeconds,
    escalation: tier.escalation,
    breakGlass: tier.breakGlass === true,
    review: tier.review,
    stepUp: tier.stepUp === true,
    overdue,
    requires: tier.requires ?? [],
  };
}

/** The policy's `strictestTier` (a quorum tier, checked at load), else the always-human fallback. */
function strictestRoute(policy: Policy, overdue: boolean): Route {
  const strictest = policy.tiers.find((tier) => tier.name === policy.strictestTier);
  return strictest ? tierRoute(strictest, [], overdue) : fallbackRoute(policy, overdue);
}

function fallbackRoute(policy: Policy, overdue: boolean): Route {
  const { quorum, groups, pendingTtlSeconds, executionWindowSeconds, escalation } = policy.fallback;
  return {
    tier: FALLBACK_TIER,
    rules: [`tier:${FALLBACK_TIER}`, 'match:none'],
    mode: 'quorum',
    quorum,
    groups,
    pendingTtlSeconds,
    executionWindowSeconds,
    escalation,
    breakGlass: false,
    review: undefined,
    stepUp: false,
    overdue,
    requires: [],
  };
}

function withRule(route: Route, rule: string): Route {
  return { ...route, rules: [...route.rules, rule] };
}
