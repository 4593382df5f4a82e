import { EventTypes, RENDERING_INLINE_MAX_BYTES, type TimeWindow } from '@countersign/contracts';
import type { PolicyStamp } from '@countersign/contracts';
import {
  concerning,
  type ApprovalEscalated,
  type ApprovalOpenedData,
  type ApprovalRequested,
  type RequestApproved,
  type RequestDenied,
  type RequestExpired,
} from './approval.events';
import { decidedEvent, IdTags, optionalReason } from './approval.ids';
import type { RecordedVote } from './approval.state';

/** The builders of approval's outward events, each from the facts the approval was opened with. */
export function approvalRequested(request: ApprovalOpenedData, now: string): ApprovalRequested {
  return decidedEvent(EventTypes.ApprovalRequested, request.acceptedEventId, IdTags.requested, now, {
    ...concerning(request),
    action: request.action,
    // ASCII only, so its length is its size; past the bound, surfaces render the action themselves.
    ...(request.rendering.length <= RENDERING_INLINE_MAX_BYTES ? { rendering: request.rendering } : {}),
    renderingDigest: request.renderingDigest,
    policy: request.policy,
    quorum: request.quorum,
    eligibleGroups: request.eligibleGroups,
    ...(request.stepUp ? { stepUp: true as const } : {}),
    expiresAt: request.expiresAt,
    ...(request.agent ? { agent: request.agent } : {}),
  });
}

/** Approved on the policy's own authority; the "approver" is the policy tier, never a person. */
export function autoApproved(request: ApprovalOpenedData, window: TimeWindow, now: string): RequestApproved {
  const approver = { id: `policy:${request.policy.label}@${request.policy.tier}`, at: now };
  return approved(request, 'auto', [approver], window, now);
}

export function quorumApproved(
  request: ApprovalOpenedData,
  votes: readonly RecordedVote[],
  window: TimeWindow,
  now: string,
): RequestApproved {
  const approvers = votes.map((vote) => ({
    id: vote.voter,
    voteId: vote.voteId,
    via: vote.via,
    ...optionalReason(vote.reason),
    at: vote.at,
  }));
  const policy = stampWith(
    request,
    votes.map((vote) => vote.voter),
  );
  // The signed votes travel with the approval: the broker and the executor verify them themselves.
  const evidence = votes.flatMap((vote) => (vote.evidence ? [vote.evidence] : []));
  return approved(request, 'quorum', approvers, window, now, policy, evidence);
}

/**
 * The policy stamp of a decision people made: the rules that routed and admitted the request, and
 * the Cedar rules that let each of the deciding voters vote.
 */
export function stampWith(request: Pick<ApprovalOpenedData, 'policy' | 'approverRules'>, voters: readonly string[]): PolicyStamp {
  const rules = [...request.policy.rules, ...voters.flatMap((voter) => request.approverRules[voter] ?? [])];
  return { ...request.policy, rules: [...new Set(rules)] };
}

function approved(
  request: ApprovalOpenedData,
  mode: 'auto' | 'quorum',
  approvers: RequestApproved['data']['approvers'],
  window: TimeWindow,
  now: string,
  policy: PolicyStamp = request.policy,
  evidence: RequestApproved['data']['evidence'] = [],
): RequestApproved {
  return decidedEvent(EventTypes.RequestApproved, request.requestId, IdTags.approved, now, {
    ...concerning(request),
    acceptedEventId: request.acceptedEventId,
    mode,
    approvers,
    policy,
    ...(request.stepUp ? { stepUp: true as const } : {}),
    window,
    approvedAt: now,
    ...(evidence.length > 0 ? { evidence } : {}),
  });
}

/** Denied by a vote, stamped with the rules that let the voter vote. */
export function denied(request: ApprovalOpenedData, deniedBy: string, reason: string | undefined, now: string): RequestDenied {
  return deniedWith(request, deniedBy, reason, now, stampWith(request, [deniedBy]));
}

/**
 * The policy itself denies it, before anyone is asked: Cedar does not let the requester ask for
 * this, or the tier requires a change intent (ticket, outcome, rollback plan) the request lacks
 * (the `intent:` rules evaluatePolicy stamps).
 */
export function refusedByPolicy(request: ApprovalOpenedData, now: string): RequestDenied {
  const intentRules = request.policy.rules.filter((rule) => rule.startsWith('intent:'));
  const cedarRules = request.policy.rules.filter((rule) => rule.startsWith('cedar:Request:'));
  const reason = (
    intentRules.length > 0
      ? `tier ${request.policy.tier} requires a change intent this request does not meet (${intentRules.join(', ')})`
      : `the authorization policy does not let ${request.requester} request this (${cedarRules.join(', ')})`
  ).slice(0, 500);
  return deniedWith(request, `policy:${request.policy.label}@${request.policy.tier}`, reason, now, request.policy);
}

function deniedWith(
  request: ApprovalOpenedData,
  deniedBy: string,
  reason: string | undefined,
  now: string,
  policy: PolicyStamp,
): RequestDenied {
  return decidedEvent(EventTypes.RequestDenied, request.requestId, IdTags.denied, now, {
    ...concerning(request),
    deniedBy,
    ...optionalReason(reason),
    policy,
    deniedAt: now,
  });
}

/** Expiry is its own outcome, never a denial. `expiredAt` is the deadline, `time` when it was noticed. */
export function expired(request: ApprovalOpenedData, approvals: number, now: string): RequestExpired {
  return decidedEvent(EventTypes.RequestExpired, request.requestId, IdTags.expired, now, {
    ...concerning(request),
    policy: request.policy,
    approvals,
    quorum: request.quorum,
    expiredAt: request.expiresAt,
  });
}

/** Nobody decided in time: the escalation groups may vote too, until the request expires. */
export function escalated(request: ApprovalOpenedData, approvals: number, now: string): ApprovalEscalated {
  const escalation = request.escalation;
  if (!escalation) throw new Error('escalated() without an escalation (this is a bug)');
  return decidedEvent(EventTypes.ApprovalEscalated, request.requestId, IdTags.escalated, now, {
    ...concerning(request),
    policy: request.policy,
    quorum: request.quorum,
    approvals,
    addedGroups: escalation.groups,
    eligibleGroups: [...new Set([...request.eligibleGroups, ...escalation.groups])],
    expiresAt: request.expiresAt,
    escalatedAt: now,
  });
}
