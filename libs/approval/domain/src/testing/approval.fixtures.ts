import {
  actionDigest,
  renderAction,
  renderingDigest,
  deterministicId,
  EventTypes,
  type CanonicalAction,
  type RequestAcceptedV1,
  type VoteCastV1,
  type VoteChannel,
} from '@countersign/contracts';
import type { PolicyDecision } from '@countersign/policy';
import type { CastVote, OpenApproval } from '../approval.commands';
import type {
  ApprovalOpened,
  ApprovalRequested,
  RequestApproved,
  RequestDenied,
  RequestExpired,
  VoteRecorded,
  VoteRejected,
} from '../approval.events';
import { IdTags } from '../approval.ids';

/**
 * Fixtures for the approval specs (not exported from the library). The cast:
 * - requester:payments-agent, owned by carol, asks;
 * - alice, bob and erin are ordinary eligible approvers;
 * - carol is eligible but owns the requesting agent (self approval);
 * - approver:payments-agent shares the requester's name (self approval);
 * - approver:alice-bot is alice again under another identity (one person, one vote);
 * - dave exists but is not in the eligible groups.
 */
export const T0 = '2026-11-21T10:00:00.000Z';
export const at = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000).toISOString();

export const REQUEST_ID = '3c9a1f2e-8b7d-4e6c-9a5b-4c3d2e1f0a91';
export const ACCEPTED_EVENT_ID = '9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c62';
export const REQUESTER = 'requester:payments-agent';
export const ELIGIBLE = [
  'approver:alice',
  'approver:bob',
  'approver:carol',
  'approver:alice-bot',
  'approver:payments-agent',
  'approver:erin',
];
export const PERSON_OF = {
  'approver:alice': 'alice',
  'approver:alice-bot': 'alice',
  'approver:bob': 'bob',
  'approver:carol': 'carol',
  'approver:dave': 'dave',
};

export const ACTION: CanonicalAction = {
  kind: 'payment.transfer',
  target: 'vendor-bank',
  environment: 'production',
  dataSensitivity: 'confidential',
  ownerTeam: 'platform',
  targetAddress: 'http://127.0.0.1:4380',
  parameters: { vendor: 'acme' },
  amount: { value: '25000.00', currency: 'EUR' },
  window: { notBefore: T0, notAfter: at(60) },
  requestId: REQUEST_ID,
};
export const DIGEST = actionDigest(ACTION);
/** What approval shows for ACTION, and the digest every vote must name. */
export const RENDERING = renderAction(ACTION);
export const RENDERING_DIGEST = renderingDigest(RENDERING);
export const STAMP = { version: `sha256:${'a'.repeat(64)}`, label: 'test-1', tier: 'payments-high', rules: ['tier:payments-high'] };

export const accepted = (action: CanonicalAction = ACTION): RequestAcceptedV1 => ({
  requestId: REQUEST_ID,
  requester: REQUESTER,
  submissionId: 'f1e2d3c4-b5a6-4978-8a7b-6c5d4e3f2a10',
  action,
  digest: actionDigest(action),
  reason: 'pay the acme invoice',
  acceptedAt: T0,
});

export const decision = (overrides: Partial<PolicyDecision> = {}): PolicyDecision => ({
  stamp: STAMP,
  mode: 'quorum',
  quorum: 2,
  eligibleGroups: ['finance'],
  eligibleApprovers: ELIGIBLE,
  refusedApprovers: {},
  approverRules: {},
  pendingExpiresAt: at(15),
  executionWindowSeconds: 900,
  stepUp: false,
  ...overrides,
});

export const openApproval = (overrides: Partial<OpenApproval> = {}): OpenApproval => ({
  type: 'OpenApproval',
  accepted: accepted(),
  acceptedEventId: ACCEPTED_EVENT_ID,
  policyDecision: decision(),
  people: { requesterOwner: 'carol', personOf: PERSON_OF },
  now: T0,
  ...overrides,
});

/** Vote ids are readable in tests: `vote-<n>` mapped onto a stable UUID. */
export const voteId = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

export const castVote = (
  n: number,
  voter: string,
  decisionValue: VoteCastV1['decision'] = 'approve',
  extra: Partial<CastVote> & { digest?: string; renderingDigest?: string } = {},
): CastVote => {
  const { digest = DIGEST, renderingDigest: shown = RENDERING_DIGEST, ...rest } = extra;
  return {
    type: 'CastVote',
    voteId: voteId(n),
    voter: `approver:${voter}`,
    via: 'signed',
    vote: { requestId: REQUEST_ID, digest, renderingDigest: shown, decision: decisionValue },
    now: at(n),
    ...rest,
  };
};

export function openedEvent(overrides: Partial<ApprovalOpened['data']> = {}, time = T0): ApprovalOpened {
  return {
    id: deterministicId(ACCEPTED_EVENT_ID, IdTags.opened),
    type: 'approval.opened',
    time,
    data: {
      requestId: REQUEST_ID,
      requester: REQUESTER,
      requesterPersons: ['payments-agent', 'carol'],
      digest: DIGEST,
      action: ACTION,
      rendering: RENDERING,
      renderingDigest: RENDERING_DIGEST,
      acceptedEventId: ACCEPTED_EVENT_ID,
      window: ACTION.window,
      policy: STAMP,
      mode: 'quorum',
      quorum: 2,
      eligibleGroups: ['finance'],
      eligibleApprovers: ELIGIBLE,
      refusedApprovers: {},
      approverRules: {},
      // Only eligible approvers; those missing from the registry stand for themselves.
      personOf: {
        'approver:alice': 'alice',
        'approver:bob': 'bob',
        'approver:carol': 'carol',
        'approver:alice-bot': 'alice',
        'approver:payments-agent': 'payments-agent',
        'approver:erin': 'erin',
      },
      expiresAt: at(15),
      executionWindowSeconds: 900,
      openedAt: T0,
      ...overrides,
    },
  };
}

export function requestedEvent(overrides: Partial<ApprovalRequested['data']> = {}): ApprovalRequested {
  return {
    id: deterministicId(ACCEPTED_EVENT_ID, IdTags.requested),
    type: EventTypes.ApprovalRequested,
    time: T0,
    data: {
      requestId: REQUEST_ID,
      digest: DIGEST,
      requester: REQUESTER,
      action: ACTION,
      rendering: RENDERING,
      renderingDigest: RENDERING_DIGEST,
      policy: STAMP,
      quorum: 2,
      eligibleGroups: ['finance'],
      expiresAt: at(15),
      ...overrides,
    },
  };
}

export const pending = () => [openedEvent(), requestedEvent()];

export function recordedEvent(
  n: number,
  voter: string,
  decisionValue: 'approve' | 'deny',
  approvals: number,
  via: VoteChannel = 'signed',
): VoteRecorded {
  return {
    id: deterministicId(voteId(n), IdTags.voteRecorded),
    type: EventTypes.VoteRecorded,
    time: at(n),
    data: { requestId: REQUEST_ID, voteId: voteId(n), voter: `approver:${voter}`, via, decision: decisionValue, approvals, quorum: 2 },
  };
}

/** `voter` is an approver's name, or a full identity id (`channel:slack`) for an unmapped relayed vote. */
export function rejectedEvent(
  n: number,
  voter: string,
  code: VoteRejected['data']['code'],
  message: string,
  time = at(n),
  via: VoteChannel = 'signed',
): VoteRejected {
  return {
    id: deterministicId(voteId(n), IdTags.voteRejected),
    type: EventTypes.VoteRejected,
    time,
    data: { requestId: REQUEST_ID, voteId: voteId(n), voter: voter.includes(':') ? voter : `approver:${voter}`, via, code, message },
  };
}

const base = { requestId: REQUEST_ID, digest: DIGEST, requester: REQUESTER, policy: STAMP };

export const approvedEvent = (
  approvers: RequestApproved['data']['approvers'],
  window: { notBefore: string; notAfter: string },
  now: string,
  mode: 'auto' | 'quorum' = 'quorum',
  policy = STAMP,
): RequestApproved => ({
  id: deterministicId(REQUEST_ID, IdTags.approved),
  type: EventTypes.RequestApproved,
  time: now,
  data: { ...base, policy, acceptedEventId: ACCEPTED_EVENT_ID, mode, approvers, window, approvedAt: now },
});
export const deniedEvent = (voter: string, now: string, reason?: string): RequestDenied => ({
  id: deterministicId(REQUEST_ID, IdTags.denied),
  type: EventTypes.RequestDenied,
  time: now,
  data: { ...base, deniedBy: `approver:${voter}`, ...(reason ? { reason } : {}), deniedAt: now },
});
export const expiredEvent = (approvals: number, now: string, expiredAt = at(15)): RequestExpired => ({
  id: deterministicId(REQUEST_ID, IdTags.expired),
  type: EventTypes.RequestExpired,
  time: now,
  data: { ...base, approvals, quorum: 2, expiredAt },
});
export const approverOf = (n: number, voter: string, via: VoteChannel = 'signed') => ({
  id: `approver:${voter}`,
  voteId: voteId(n),
  via,
  at: at(n),
});
