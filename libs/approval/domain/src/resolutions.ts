import { deterministicId, EventTypes, type TimeWindow } from '@countersign/contracts';
import type { ApprovalOpenedData, ApprovalRequested, RequestApproved, RequestDenied, RequestExpired } from './approval.events';
import { IdTags, optionalReason } from './approval.ids';
import type { RecordedVote } from './approval.state';

/** The builders of approval's outward events, each from the facts the approval was opened with. */
export function approvalRequested(request: ApprovalOpenedData, now: string): ApprovalRequested {
  return {
    id: deterministicId(request.acceptedEventId, IdTags.requested),
    type: EventTypes.ApprovalRequested,
    time: now,
    data: {
      requestId: request.requestId,
      digest: request.digest,
      requester: request.requester,
      policy: request.policy,
      quorum: request.quorum,
      eligibleGroups: request.eligibleGroups,
      expiresAt: request.expiresAt,
    },
  };
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
  const approvers = votes.map((vote) => ({ id: vote.voter, voteId: vote.voteId, ...optionalReason(vote.reason), at: vote.at }));
  return approved(request, 'quorum', approvers, window, now);
}

function approved(
  request: ApprovalOpenedData,
  mode: 'auto' | 'quorum',
  approvers: RequestApproved['data']['approvers'],
  window: TimeWindow,
  now: string,
): RequestApproved {
  return {
    id: deterministicId(request.requestId, IdTags.approved),
    type: EventTypes.RequestApproved,
    time: now,
    data: {
      requestId: request.requestId,
      digest: request.digest,
      requester: request.requester,
      acceptedEventId: request.acceptedEventId,
      mode,
      approvers,
      policy: request.policy,
      window,
      approvedAt: now,
    },
  };
}

export function denied(request: ApprovalOpenedData, deniedBy: string, reason: string | undefined, now: string): RequestDenied {
  return {
    id: deterministicId(request.requestId, IdTags.denied),
    type: EventTypes.RequestDenied,
    time: now,
    data: {
      requestId: request.requestId,
      digest: request.digest,
      requester: request.requester,
      deniedBy,
      ...optionalReason(reason),
      policy: request.policy,
      deniedAt: now,
    },
  };
}

/** Expiry is its own outcome, never a denial. `expiredAt` is the deadline, `time` when it was noticed. */
export function expired(request: ApprovalOpenedData, approvals: number, now: string): RequestExpired {
  return {
    id: deterministicId(request.requestId, IdTags.expired),
    type: EventTypes.RequestExpired,
    time: now,
    data: {
      requestId: request.requestId,
      digest: request.digest,
      requester: request.requester,
      policy: request.policy,
      approvals,
      quorum: request.quorum,
      expiredAt: request.expiresAt,
    },
  };
}
