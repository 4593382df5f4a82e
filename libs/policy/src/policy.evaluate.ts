import type { CanonicalAction, PolicyStamp, RequestAcceptedV1 } from '@countersign/contracts';
import { compareDecimal } from './decimal';
import { approversOf } from './policy.parse';
import { FALLBACK_TIER, type Policy, type Tier, type TierMatch } from './policy.schema';
import { addSeconds, earlier } from './time';

/** Stamp rule added to every decision taken after the policy's `reviewBy` date. */
export const REVIEW_OVERDUE_RULE = 'policy:review-overdue';

/** What the approval service needs to open an approval; the decider stores it as given. */
export interface PolicyDecision {
  stamp: PolicyStamp;
  mode: 'auto' | 'quorum';
  /** Distinct people who must approve. Auto tiers say 1: the policy itself is the one approver. */
  quorum: number;
  eligibleGroups: string[];
  /** Approver identities of those groups; empty for auto. */
  eligibleApprovers: string[];
  /** When a pending approval expires: now + TTL, never after the request's own window ends. */
  pendingExpiresAt: string;
  executionWindowSeconds: number;
}

interface Route {
  tier: string;
  rules: string[];
  mode: 'auto' | 'quorum';
  quorum: number;
  groups: string[];
  pendingTtlSeconds: number | undefined;
  executionWindowSeconds: number | undefined;
}

/**
 * Routes an accepted request: the first matching tier wins, no match goes to the human fallback
 * tier, and once `reviewBy` has passed an auto tier needs people too (fail closed).
 */
export function evaluatePolicy(policy: Policy, accepted: Pick<RequestAcceptedV1, 'action'>, now: string): PolicyDecision {
  const overdue = isReviewOverdue(policy, now);
  const route = routeFor(policy, accepted.action, overdue);
  const rules = overdue ? [...route.rules, REVIEW_OVERDUE_RULE] : route.rules;
  const ttl = route.pendingTtlSeconds ?? policy.defaults.pendingTtlSeconds;
  return {
    stamp: { version: policy.version, label: policy.label, tier: route.tier, rules },
    mode: route.mode,
    quorum: route.quorum,
    eligibleGroups: route.groups,
    eligibleApprovers: approversOf(policy.approvers, route.groups),
    pendingExpiresAt: earlier(addSeconds(now, ttl), accepted.action.window.notAfter),
    executionWindowSeconds: route.executionWindowSeconds ?? policy.defaults.executionWindowSeconds,
  };
}

/** True once the whole `reviewBy` day (UTC) has passed. */
export function isReviewOverdue(policy: Pick<Policy, 'reviewBy'>, now: string): boolean {
  const endOfReviewDay = Date.parse(`${policy.reviewBy}T00:00:00.000Z`) + 24 * 60 * 60 * 1000;
  return Date.parse(now) >= endOfReviewDay;
}

function routeFor(policy: Policy, action: CanonicalAction, overdue: boolean): Route {
  for (const tier of policy.tiers) {
    const matched = matchRules(tier.match, action);
    if (matched) return tierRoute(policy, tier, [`tier:${tier.name}`, ...matched], overdue);
  }
  const { quorum, groups, pendingTtlSeconds, executionWindowSeconds } = policy.fallback;
  return {
    tier: FALLBACK_TIER,
    rules: [`tier:${FALLBACK_TIER}`, 'match:none'],
    mode: 'quorum',
    quorum,
    groups,
    pendingTtlSeconds,
    executionWindowSeconds,
  };
}

function tierRoute(policy: Policy, tier: Tier, rules: string[], overdue: boolean): Route {
  const common = { tier: tier.name, rules, pendingTtlSeconds: tier.pendingTtlSeconds, executionWindowSeconds: tier.executionWindowSeconds };
  if (tier.mode === 'auto' && !overdue) return { ...common, mode: 'auto', quorum: 1, groups: [] };
  // An overdue auto tier borrows the fallback's people: nobody reviewed it, so humans decide.
  if (tier.mode === 'auto') return { ...common, mode: 'quorum', quorum: policy.fallback.quorum, groups: policy.fallback.groups };
  if (tier.quorum === undefined || tier.groups === undefined) {
    throw new Error(`tier ${tier.name} has no quorum or groups; parsePolicy should have refused it (this is a bug)`);
  }
  return { ...common, mode: 'quorum', quorum: tier.quorum, groups: tier.groups };
}

/** The rules a tier's match produced, or undefined when any of its criteria does not hold. */
export function matchRules(match: TierMatch, action: CanonicalAction): string[] | undefined {
  const results = [
    listed(match.kinds, action.kind, 'kind'),
    listed(match.environments, action.environment, 'environment'),
    listed(match.targets, action.target, 'target'),
    atLeast(match.minAmount, action.amount?.value),
    listed(match.dataSensitivity, action.dataSensitivity, 'dataSensitivity'),
  ];
  if (results.includes(false)) return undefined;
  const rules = results.filter((result): result is string => typeof result === 'string');
  return rules.length > 0 ? rules : ['match:any'];
}

// Each criterion answers: undefined = not part of this tier, false = fails, a rule id = holds.
function listed(list: readonly string[] | undefined, value: string | undefined, field: string): string | false | undefined {
  if (list === undefined) return undefined;
  return value !== undefined && list.includes(value) ? `match:${field}=${value}` : false;
}

function atLeast(minimum: string | undefined, value: string | undefined): string | false | undefined {
  if (minimum === undefined) return undefined;
  return value !== undefined && compareDecimal(value, minimum) >= 0 ? `match:amount>=${minimum}` : false;
}
