import { resolveTarget, type CanonicalAction, type RegisteredTarget } from '@countersign/contracts';
import { REVIEW_OVERDUE_RULE, type Authorization, type PolicyDecision } from '@countersign/policy';
import { decideRequest, type PolicyBundle } from './bundle';
import type { Expectation, FixtureCase, FixtureFile } from './fixture.schema';

/** The request id every fixture case uses; nothing in a policy may depend on it. */
export const FIXTURE_REQUEST_ID = '00000000-0000-4000-8000-00000000f17e';
const HOUR_MS = 60 * 60 * 1000;

/**
 * Runs one case against a loaded policy; returns what differs from the expectation (empty: pass).
 * The target is resolved exactly as intake resolves it (resolveTarget), so a mislabelled case is
 * rejected here as it would be on the bus.
 */
export function runCase(bundle: PolicyBundle, file: FixtureFile, testCase: FixtureCase, targets: readonly RegisteredTarget[]): string[] {
  const now = testCase.now ?? file.now;
  const resolved = resolveTarget(testCase.action, testCase.requester, targets);
  if (!resolved.ok || testCase.expect.rejected !== undefined) {
    return compareRejection(testCase.expect, resolved.ok ? undefined : resolved.errors.map(({ path, code }) => ({ path, code })));
  }
  const action: CanonicalAction = {
    ...testCase.action,
    ...resolved.facts,
    window: { notBefore: now, notAfter: new Date(Date.parse(now) + HOUR_MS).toISOString() },
    requestId: FIXTURE_REQUEST_ID,
  };
  const accepted = { requestId: FIXTURE_REQUEST_ID, requester: `requester:${testCase.requester}`, action };
  const people = { requesterOwner: file.owners[testCase.requester], personOf: file.persons };
  const { decision, authorization } = decideRequest(bundle, accepted, people, now);
  return compare(testCase.expect, decision, authorization, now);
}

function compareRejection(expected: Expectation, rejected: Array<{ path: string; code: string }> | undefined): string[] {
  const got = JSON.stringify(rejected ?? 'accepted by intake');
  const want = JSON.stringify(expected.rejected ?? `accepted, then tier ${expected.tier ?? '?'}`);
  return got === want ? [] : [`intake: expected ${want}, got ${got}`];
}

function compare(expected: Expectation, decision: PolicyDecision, authorization: Authorization, now: string): string[] {
  const mismatches: string[] = [];
  const check = (field: string, want: unknown, got: unknown) => {
    if (want !== undefined && JSON.stringify(want) !== JSON.stringify(got)) {
      mismatches.push(`${field}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
    }
  };
  check('tier', expected.tier, decision.stamp.tier);
  check('mode', expected.mode, decision.mode);
  check('quorum', expected.quorum, decision.quorum);
  check('groups', expected.groups, decision.eligibleGroups);
  check('eligibleApprovers', expected.eligibleApprovers, decision.eligibleApprovers);
  for (const [approver, answer] of Object.entries(expected.approvers ?? {})) {
    const verdict = authorization.approve[approver];
    const got = verdict === undefined ? 'deny (not an approver of this policy)' : verdict.allowed ? 'allow' : 'deny';
    check(`approvers.${approver}`, answer, got);
  }
  for (const rule of expected.rules ?? []) {
    if (!decision.stamp.rules.includes(rule)) mismatches.push(`rules: expected ${rule} among ${JSON.stringify(decision.stamp.rules)}`);
  }
  if (expected.escalation !== undefined) check('escalation', expected.escalation, escalationOf(decision, now, expected.escalation));
  if (expected.review !== undefined) check('review', expected.review, reviewOf(decision, expected.review));
  check('reviewOverdue', expected.reviewOverdue, decision.stamp.rules.includes(REVIEW_OVERDUE_RULE));
  check('stepUp', expected.stepUp, decision.stepUp);
  return mismatches;
}

// Report only the fields the fixture names, so an expectation can stay as short as its point.
function escalationOf(decision: PolicyDecision, now: string, want: Expectation['escalation']) {
  if (!decision.escalation) return null;
  const afterSeconds = (Date.parse(decision.escalation.escalatesAt) - Date.parse(now)) / 1000;
  return { ...(want?.afterSeconds === undefined ? {} : { afterSeconds }), groups: decision.escalation.groups };
}

function reviewOf(decision: PolicyDecision, want: Expectation['review']) {
  if (!decision.review) return null;
  const { groups, deadlineSeconds } = decision.review;
  return { groups, ...(want?.deadlineSeconds === undefined ? {} : { deadlineSeconds }) };
}
