import {
  EventTypes,
  actionDigest,
  serviceId,
  stepUpGap,
  type Envelope,
  type RequestAcceptedV1,
  type RequestApprovedV1,
  type TimeWindow,
} from '@countersign/contracts';
import type { CredentialRefusalCode } from './credential.commands';
import type { CredentialState } from './credential.state';
import { floorToSecond, toIso, toMillis } from '@countersign/decider';

/** A credential never outlives fifteen minutes, however long the approved window is. */
export const MAX_CREDENTIAL_SECONDS = 900;

export interface Refusal {
  ok: false;
  code: CredentialRefusalCode;
  message: string;
  /** Set only when the window has not opened yet: not final, ask again at this instant. */
  retryAt?: string;
}

export type IssuanceTerms = { ok: true; notBefore: string; expiresAt: string } | Refusal;

type Accepted = Envelope<RequestAcceptedV1>;
type Approval = Envelope<RequestApprovedV1>;
type Check = (accepted: Accepted, approval: Approval) => Refusal | null;

const refuse = (code: CredentialRefusalCode, message: string): Refusal => ({ ok: false, code, message });

/**
 * Re-checks an approval against the broker's own copy of the accepted request, trusting nothing the
 * approval service computed, and returns the credential's validity bounds or the refusal.
 * The policy quorum is not known to the broker yet, so a quorum approval needs one human approver.
 */
export function issuanceTerms(state: CredentialState, approval: Approval, now: string): IssuanceTerms {
  const accepted = state.accepted;
  if (accepted === null || accepted.signer !== serviceId('intake') || accepted.type !== EventTypes.RequestAccepted) {
    return refuse('request_unknown', 'the broker holds no request accepted by service:intake for this approval');
  }
  for (const check of CHECKS) {
    const refusal = check(accepted, approval);
    if (refusal) return refusal;
  }
  return windowTerms(approval.data.window, now);
}

const genuineApproval: Check = (accepted, approval) => {
  if (approval.signer !== serviceId('approval') || approval.type !== EventTypes.RequestApproved) {
    return refuse('approval_not_genuine', `approval signed by ${approval.signer}, not service:approval`);
  }
  if (approval.data.requestId !== accepted.data.requestId) return refuse('approval_not_genuine', 'approval names another request');
  if (approval.data.acceptedEventId !== accepted.id) return refuse('approval_not_genuine', 'approval refers to another accepted event');
  if (approval.data.requester !== accepted.data.requester) return refuse('approval_not_genuine', 'approval names another requester');
  return withinWindow(approval.data.window, accepted.data.action.window)
    ? null
    : refuse('approval_not_genuine', 'approved window reaches outside the accepted window');
};

/** The digest is recomputed from the action: neither intake's nor approval's copy is taken on trust. */
const matchingDigest: Check = (accepted, approval) => {
  const { action, digest, requestId } = accepted.data;
  if (action.requestId !== requestId) return refuse('digest_mismatch', 'the accepted action is bound to another request');
  const recomputed = actionDigest(action);
  if (digest !== recomputed) return refuse('digest_mismatch', 'accepted digest does not match the action');
  if (approval.data.digest !== recomputed) return refuse('digest_mismatch', 'approved digest does not match the action');
  return null;
};

const separateApprovers: Check = (accepted, approval) => {
  const ids = approval.data.approvers.map((approver) => approver.id);
  if (ids.includes(accepted.data.requester)) return refuse('requester_approved', `${accepted.data.requester} approved its own request`);
  return new Set(ids).size === ids.length ? null : refuse('approval_not_genuine', 'an approver is counted twice');
};

/** Auto approvals are one policy decision; quorum approvals are votes, so only approver identities count. */
const consistentMode: Check = (_accepted, approval) => {
  const ids = approval.data.approvers.map((approver) => approver.id);
  if (approval.data.mode === 'auto') {
    const single = ids.length === 1 && ids[0]?.startsWith('policy:') === true;
    return single ? null : refuse('approval_not_genuine', 'an auto approval must name exactly one policy:* approver');
  }
  const humans = ids.length >= 1 && ids.every((id) => id.startsWith('approver:'));
  return humans ? null : refuse('approval_not_genuine', 'a quorum approval must name only approver:* identities');
};

/**
 * A tier with step-up counts only approvals signed with the approver's own key. Approval already
 * refuses a Slack click there; this is the second, independent layer, so a bug in that screening
 * (or an approver whose channel is not even stated) never turns into a credential.
 */
const steppedUp: Check = (_accepted, approval) => {
  const gap = stepUpGap(approval.data);
  return gap ? refuse('step_up_missing', gap) : null;
};

const CHECKS: readonly Check[] = [genuineApproval, matchingDigest, separateApprovers, consistentMode, steppedUp];

function withinWindow(inner: TimeWindow, outer: TimeWindow): boolean {
  return toMillis(inner.notBefore) >= toMillis(outer.notBefore) && toMillis(inner.notAfter) <= toMillis(outer.notAfter);
}

/**
 * Bounds in whole seconds (JWT nbf/exp). notBefore is now rounded down: rounding the window start up
 * instead would make a credential issued in its first second unusable for that second, and the
 * executor checks the approved window itself to the millisecond anyway.
 */
function windowTerms(window: TimeWindow, now: string): IssuanceTerms {
  const nowMs = toMillis(now);
  const opens = toMillis(window.notBefore);
  const closes = toMillis(window.notAfter);
  if (nowMs >= closes) return refuse('window_closed', `the approved window closed at ${window.notAfter}`);
  if (nowMs < opens) return { ...refuse('window_closed', `the approved window opens at ${window.notBefore}`), retryAt: window.notBefore };
  const notBefore = floorToSecond(nowMs);
  const expiresAt = floorToSecond(Math.min(closes, nowMs + MAX_CREDENTIAL_SECONDS * 1000));
  if (expiresAt <= notBefore) return refuse('window_closed', 'less than a second of the approved window is left');
  return { ok: true, notBefore: toIso(notBefore), expiresAt: toIso(expiresAt) };
}
