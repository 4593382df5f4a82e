import { canonicalJson, deterministicId, EventTypes, sha256Hex, type CanonicalAction, type FieldError } from '@countersign/contracts';
import type { Admission } from './budget.events';
import type { HandleSubmission } from './intake.commands';
import { IntakeErrorCodes, type RequesterNotified } from './intake.events';

/**
 * What "the same action" means for joining: the accepted action's digest input without what
 * differs between two tries of one action, the request id, and the window when intake filled it
 * in (it starts at the time of arrival). A window the requester asked for is part of the action.
 */
export function joinDigestOf(action: CanonicalAction, windowRequested: boolean): string {
  const { requestId: _requestId, window, ...rest } = action;
  return sha256Hex(canonicalJson(windowRequested ? { ...rest, window } : rest));
}

/**
 * The answer to a submission that joined a pending request: a notice, no request of its own. Its
 * requester is the joined request's (joining is per requester), so the joined request's later
 * notices reach it on the same subject; `joinedRequestId` says which request to follow.
 */
export function joinedNotice(command: HandleSubmission, requestId: string, joinedRequestId: string): RequesterNotified {
  return {
    id: deterministicId(command.submissionId, 'requester.notified.joined'),
    type: EventTypes.RequesterNotified,
    time: command.now,
    data: {
      requestId,
      submissionId: command.submissionId,
      requester: command.requester,
      outcome: 'joined',
      detail: `the same action is already pending as request ${joinedRequestId}: no second approval was opened; its outcome is this one's`,
      causationEventId: command.submissionId,
      notifiedAt: command.now,
      joinedRequestId,
    },
  };
}

const BUDGET_WORDS = { submissionsPerMinute: 'submissions per minute', pendingApprovals: 'pending approvals' } as const;

/** The structured refusal of a submission over budget: which budget, its limit and the tier. */
export function rateLimitedError(admission: Extract<Admission, { verdict: 'rate_limited' }>): FieldError {
  const { budget, limit, tier } = admission;
  const message = `rate limited: this requester already has ${limit} ${BUDGET_WORDS[budget]} in tier ${tier} (budget ${budget}); try again later`;
  return { path: '', code: IntakeErrorCodes.RateLimited, message };
}
