import type { PolicyStamp, RequestAcceptedV1 } from '@countersign/contracts';
import { isAllowed, verdictRules, type Authorization } from './authorization';
import { intentGaps } from './policy.intent';
import { approversOf } from './policy.parse';
import { REVIEW_OVERDUE_RULE, selectRoute, type Route } from './policy.route';
import type { Escalation, Policy } from './policy.schema';
import { addSeconds, earlier } from '@countersign/decider';

/** What the approval service needs to open an approval; the decider stores it as given. */
export interface PolicyDecision {
  stamp: PolicyStamp;
  /** `refused`: Cedar does not let the requester ask for this; the request is denied at once. */
  mode: 'auto' | 'quorum' | 'refused';
  /** Distinct people who must approve. Auto tiers say 1: the policy itself is the one approver. */
  quorum: number;
  eligibleGroups: string[];
  /** Members of those groups Cedar lets approve this request; empty for auto and refused. */
  eligibleApprovers: string[];
  /** Members of the groups (or escalation groups) Cedar refused, with the rules why. */
  refusedApprovers: Record<string, string[]>;
  /** The Cedar rules that let each eligible approver (either stage) vote; stamped when they decide. */
  approverRules: Record<string, string[]>;
  /** When a pending approval expires: now + TTL, never after the request's own window ends. */
  pendingExpiresAt: string;
  executionWindowSeconds: number;
  /** More people may vote from `escalatesAt`; absent when the tier has none or it would come too late. */
  escalation?: { escalatesAt: string; groups: string[]; eligibleApprovers: string[] };
  /** Break-glass: the review its approval owes. */
  review?: ReviewPlan;
  /**
   * Step-up: only approvals signed with the approver's own key count; a relayed Slack click does
   * not (a deny does). Only ever true for a quorum decision of a tier that says `stepUp`.
   */
  stepUp: boolean;
}

export interface ReviewPlan {
  groups: string[];
  reviewers: string[];
  deadlineSeconds: number;
  escalation?: { afterSeconds: number; groups: string[]; reviewers: string[] };
}

interface People {
  quorum: number;
  groups: string[];
  escalation: Escalation | undefined;
}

/**
 * Decides how a request is approved: the tier from the policy, narrowed by Cedar's answers. A
 * requester Cedar refuses is refused, and so is a request without the change intent its tier
 * requires (stamped `intent:…`); an auto tier needs people when Cedar refuses auto-approval
 * or the policy is past its `reviewBy` date (fail closed); only approvers Cedar allows may vote.
 */
export function evaluatePolicy(
  policy: Policy,
  accepted: Pick<RequestAcceptedV1, 'action'>,
  now: string,
  authorization: Authorization,
): PolicyDecision {
  const route = selectRoute(policy, accepted.action, now);
  const ttl = route.pendingTtlSeconds ?? policy.defaults.pendingTtlSeconds;
  const pendingExpiresAt = earlier(addSeconds(now, ttl), accepted.action.window.notAfter);
  const executionWindowSeconds = route.executionWindowSeconds ?? policy.defaults.executionWindowSeconds;
  const stamp = (rules: string[]): PolicyStamp => ({
    version: policy.version,
    label: policy.label,
    tier: route.tier,
    rules: [...route.rules, ...rules, ...(route.overdue ? [REVIEW_OVERDUE_RULE] : [])],
  });
  const timing = {
    pendingExpiresAt,
    executionWindowSeconds,
    refusedApprovers: {},
    approverRules: {},
    eligibleApprovers: [],
    stepUp: false,
  };
  const requestRules = verdictRules('Request', authorization.request);
  if (!isAllowed(authorization.request)) {
    return { ...timing, stamp: stamp(requestRules), mode: 'refused', quorum: 1, eligibleGroups: [] };
  }
  const gaps = intentGaps(route.requires, accepted.action.intent, policy.changeIntent);
  if (gaps.length > 0) {
    return { ...timing, stamp: stamp([...requestRules, ...gaps]), mode: 'refused', quorum: 1, eligibleGroups: [] };
  }
  const autoRules = route.mode === 'auto' && !route.overdue ? verdictRules('AutoApprove', authorization.autoApprove) : [];
  if (route.mode === 'auto' && !route.overdue && isAllowed(authorization.autoApprove)) {
    return { ...timing, stamp: stamp([...requestRules, ...autoRules]), mode: 'auto', quorum: 1, eligibleGroups: [] };
  }
  const people = peopleFor(policy, route);
  return {
    ...timing,
    ...voters(policy, people, authorization, now, pendingExpiresAt),
    ...(route.review ? { review: reviewPlan(policy, route.review) } : {}),
    stamp: stamp([...requestRules, ...autoRules]),
    mode: 'quorum',
    quorum: people.quorum,
    eligibleGroups: people.groups,
    stepUp: route.stepUp,
  };
}

/** A quorum tier's own people; an auto tier that may not approve alone borrows the fallback's. */
function peopleFor(policy: Policy, route: Route): People {
  if (route.mode === 'quorum' && route.quorum !== undefined)
    return { quorum: route.quorum, groups: route.groups, escalation: route.escalation };
  if (route.mode === 'quorum') throw new Error(`tier ${route.tier} has no quorum; parsePolicy should have refused it (this is a bug)`);
  const { quorum, groups, escalation } = policy.fallback;
  return { quorum, groups, escalation };
}

type Voters = Pick<PolicyDecision, 'eligibleApprovers' | 'refusedApprovers' | 'approverRules' | 'escalation'>;

function voters(policy: Policy, people: People, authorization: Authorization, now: string, expiresAt: string): Voters {
  const refusedApprovers: Record<string, string[]> = {};
  const approverRules: Record<string, string[]> = {};
  const admit = (ids: string[]) =>
    ids.filter((id) => {
      const verdict = authorization.approve[id];
      const rules = verdict ? verdictRules('Approve', verdict) : ['cedar:Approve:deny:error'];
      if (isAllowed(verdict)) approverRules[id] = rules;
      else refusedApprovers[id] = rules;
      return isAllowed(verdict);
    });
  const eligibleApprovers = admit(approversOf(policy.approvers, people.groups));
  const escalatesAt = people.escalation && addSeconds(now, people.escalation.afterSeconds);
  if (!people.escalation || !escalatesAt || Date.parse(escalatesAt) >= Date.parse(expiresAt)) {
    return { eligibleApprovers, refusedApprovers, approverRules };
  }
  const added = approversOf(policy.approvers, people.escalation.groups).filter((id) => !eligibleApprovers.includes(id));
  const escalation = { escalatesAt, groups: people.escalation.groups, eligibleApprovers: admit(added) };
  return { eligibleApprovers, refusedApprovers, approverRules, escalation };
}

function reviewPlan(policy: Policy, review: NonNullable<Route['review']>): ReviewPlan {
  const { groups, deadlineSeconds, escalation } = review;
  const plan: ReviewPlan = { groups, reviewers: approversOf(policy.approvers, groups), deadlineSeconds };
  if (escalation) plan.escalation = { ...escalation, reviewers: approversOf(policy.approvers, escalation.groups) };
  return plan;
}
