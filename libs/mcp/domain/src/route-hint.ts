import type { CanonicalAction, RegisteredTarget } from '@countersign/contracts';
import { FALLBACK_TIER, isReviewOverdue, matchRules, type Policy, type Tier } from '@countersign/policy';

/** What the policy may do with an action of one kind on one target, before any call is made. */
export interface RouteHint {
  /** Every tier a call of this tool can land in, in policy order (the amount, intent and break-glass decide which). */
  tiers: string[];
  /** At least one of those tiers needs people (or the policy is unknown): the strictest reading. */
  needsPeople: boolean;
  /** One line for the tool's description. */
  summary: string;
}

/** MCP tool annotations (the spec's hints; clients may show or act on them, never trust them). */
export interface ToolAnnotations {
  title: string;
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

/**
 * The tiers a call can reach, read from the policy the same way approval routes (matchRules), with
 * the amount left open: tiers whose only unmet criterion would be an amount count as reachable, as
 * does the policy's strictestTier when any of them prices, and the fallback when no amount-free
 * tier catches everything first. Break-glass tiers are listed too: the agent may invoke them.
 */
export function routeHint(policy: Policy | undefined, kind: string, target: RegisteredTarget, now: string): RouteHint {
  if (!policy) return { tiers: [], needsPeople: true, summary: 'No policy was given to the gateway: assume people must approve.' };
  // Only the context criteria are read (kind, target, environment, sensitivity); the rest is unknown here.
  const probe = { kind, target: target.name, environment: target.environment, dataSensitivity: target.dataSensitivity } as CanonicalAction;
  const reached: Tier[] = [];
  let caughtAll = false;
  let priced = false;
  for (const tier of policy.tiers) {
    if (caughtAll && tier.breakGlass !== true) continue;
    if (!matchRules({ ...tier.match, minAmount: undefined }, probe)) continue;
    reached.push(tier);
    if (tier.match.minAmount !== undefined) priced = true;
    else if (tier.breakGlass !== true) caughtAll = true;
  }
  const names = reached.map((tier) => tier.name);
  const strictest = policy.strictestTier;
  if (priced && strictest !== undefined && !names.includes(strictest)) names.push(strictest);
  if (!caughtAll) names.push(FALLBACK_TIER);
  const overdue = isReviewOverdue(policy, now);
  const auto = reached.filter((tier) => tier.mode === 'auto').map((tier) => tier.name);
  const needsPeople = overdue || names.some((name) => !auto.includes(name));
  return { tiers: names, needsPeople, summary: summaryOf(policy.label, names, auto, overdue) };
}

function summaryOf(label: string, tiers: string[], auto: string[], overdue: boolean): string {
  const people = tiers.filter((name) => !auto.includes(name) || overdue);
  if (people.length === 0) return `Policy ${label}: runs on the policy's own authority (tier ${tiers.join(', ')}).`;
  return `Policy ${label}: may need human approval (tiers ${tiers.join(', ')}); the call waits for the approvers.`;
}

/**
 * Annotations from the strictest reading of the route: anything a tier sends to people is treated
 * as possibly destructive. Never read-only (every tool asks for an action on a protected system)
 * and never idempotent (each call is a new request, executed once on its own approval); always
 * open-world (the action reaches a system outside the gateway).
 */
export function annotationsFor(kind: string, target: RegisteredTarget, hint: RouteHint): ToolAnnotations {
  return {
    title: `${kind} on ${target.name} (${target.environment})`,
    readOnlyHint: false,
    destructiveHint: hint.needsPeople,
    idempotentHint: false,
    openWorldHint: true,
  };
}
