import type { FieldError } from '@countersign/contracts';
import type { Escalation, FallbackTier, PolicyDocument, ReviewSpec, Tier } from './policy.schema';

type Route = {
  quorum?: number | undefined;
  groups?: string[] | undefined;
  pendingTtlSeconds?: number | undefined;
  escalation?: Escalation;
};

/** Checks zod cannot express field by field: tier modes, group references, reachable quorums, deadlines. */
export function checkReferences(document: PolicyDocument, fallback: FallbackTier): FieldError[] {
  const errors: FieldError[] = [];
  if (Object.keys(document.approvers).length === 0) {
    errors.push({ path: 'approvers', code: 'empty', message: 'at least one approver group is needed: the fallback tier is always human' });
  }
  const seen = new Set<string>();
  document.tiers.forEach((tier, index) => {
    const at = `tiers.${index}`;
    if (seen.has(tier.name)) errors.push({ path: `${at}.name`, code: 'duplicate_tier', message: `tier "${tier.name}" is defined twice` });
    seen.add(tier.name);
    if (tier.mode === 'auto') errors.push(...checkAutoTier(tier, at));
    else errors.push(...checkQuorumRoute(document, tier, at), ...checkBreakGlass(document, tier, at));
  });
  // An implicit fallback is reported under `fallback` too: writing one out is the fix.
  errors.push(...checkQuorumRoute(document, fallback, 'fallback'), ...checkStrictestTier(document));
  return errors;
}

/** Amounts the thresholds cannot judge go there, so it must exist, need people and take anyone. */
function checkStrictestTier(document: PolicyDocument): FieldError[] {
  if (document.strictestTier === undefined) return [];
  const tier = document.tiers.find((candidate) => candidate.name === document.strictestTier);
  const problem = !tier
    ? 'names no tier of this policy'
    : tier.mode !== 'quorum'
      ? 'must be a quorum tier: an amount nobody can judge never goes to auto'
      : tier.breakGlass
        ? 'must not be a break-glass tier'
        : undefined;
  return problem ? [{ path: 'strictestTier', code: 'invalid_strictest_tier', message: `"${document.strictestTier}" ${problem}` }] : [];
}

function checkAutoTier(tier: Tier, at: string): FieldError[] {
  // An auto tier that names approvers reads as if people were involved; refuse the ambiguity.
  const notAllowed = (field: string, message: string): FieldError => ({ path: `${at}.${field}`, code: 'not_allowed', message });
  const errors: FieldError[] = [];
  if (tier.quorum !== undefined) errors.push(notAllowed('quorum', 'auto tiers take no quorum'));
  if (tier.groups !== undefined) errors.push(notAllowed('groups', 'auto tiers take no groups'));
  if (tier.escalation !== undefined) errors.push(notAllowed('escalation', 'auto tiers decide at once: nothing to escalate'));
  if (tier.breakGlass !== undefined) errors.push(notAllowed('breakGlass', 'break-glass needs people: use mode quorum'));
  if (tier.review !== undefined) errors.push(notAllowed('review', 'only break-glass tiers are reviewed afterwards'));
  if (tier.stepUp === true) errors.push(notAllowed('stepUp', 'auto tiers take no vote, so there is nothing to step up: use mode quorum'));
  return errors;
}

function checkQuorumRoute(document: PolicyDocument, route: Route, at: string): FieldError[] {
  if (route.quorum === undefined) return [{ path: `${at}.quorum`, code: 'required', message: 'quorum tiers need a quorum' }];
  if (route.groups === undefined) return [{ path: `${at}.groups`, code: 'required', message: 'quorum tiers need approver groups' }];
  const errors = unknownGroups(document, route.groups, `${at}.groups`);
  const available = distinctApprovers(document, route.groups);
  if (errors.length === 0 && route.quorum > available) {
    const message = `quorum ${route.quorum} can never be met: the groups have ${available} distinct approvers`;
    errors.push({ path: `${at}.quorum`, code: 'quorum_unreachable', message });
  }
  if (route.escalation) {
    const ttl = route.pendingTtlSeconds ?? document.defaults.pendingTtlSeconds;
    errors.push(...checkEscalation(document, route.escalation, ttl, `${at}.escalation`, 'the pending TTL'));
  }
  return errors;
}

function checkBreakGlass(document: PolicyDocument, tier: Tier, at: string): FieldError[] {
  if (tier.breakGlass === undefined) {
    return tier.review === undefined
      ? []
      : [{ path: `${at}.review`, code: 'not_allowed', message: 'only break-glass tiers are reviewed afterwards' }];
  }
  const errors: FieldError[] = [];
  if (tier.match.kinds === undefined) {
    errors.push({ path: `${at}.match.kinds`, code: 'required', message: 'break-glass is only for declared action kinds: list them' });
  }
  if (tier.review === undefined) {
    errors.push({ path: `${at}.review`, code: 'required', message: 'break-glass always needs an after-the-fact review' });
  } else errors.push(...checkReview(document, tier.review, `${at}.review`));
  return errors;
}

function checkReview(document: PolicyDocument, review: ReviewSpec, at: string): FieldError[] {
  const errors = unknownGroups(document, review.groups, `${at}.groups`);
  if (review.escalation)
    errors.push(...checkEscalation(document, review.escalation, review.deadlineSeconds, `${at}.escalation`, 'the deadline'));
  return errors;
}

function checkEscalation(document: PolicyDocument, escalation: Escalation, limit: number, at: string, limitName: string): FieldError[] {
  const errors = unknownGroups(document, escalation.groups, `${at}.groups`);
  if (escalation.afterSeconds >= limit) {
    const message = `escalating after ${escalation.afterSeconds}s never happens: ${limitName} (${limit}s) ends it first`;
    errors.push({ path: `${at}.afterSeconds`, code: 'escalation_too_late', message });
  }
  return errors;
}

function unknownGroups(document: PolicyDocument, groups: readonly string[], at: string): FieldError[] {
  return groups.flatMap((group, index) =>
    Object.prototype.hasOwnProperty.call(document.approvers, group)
      ? []
      : [{ path: `${at}.${index}`, code: 'unknown_group', message: `group "${group}" is not listed under approvers` }],
  );
}

function distinctApprovers(document: PolicyDocument, groups: readonly string[]): number {
  return new Set(groups.flatMap((group) => document.approvers[group] ?? [])).size;
}
