import { deterministicId, EventTypes } from '@countersign/contracts';
import { DeciderSpecification } from '@countersign/decider/testing';
import {
  approvedEvent,
  approverOf,
  at,
  castVote,
  decision,
  DIGEST,
  openApproval,
  openedEvent,
  recordedEvent,
  rejectedEvent,
  REQUEST_ID,
  REQUESTER,
  STAMP,
  T0,
  voteId,
} from './testing/approval.fixtures';
import type { PolicyDecision } from '@countersign/policy';
import type { ApprovalEvent, ReviewRequired } from './approval.events';
import { IdTags } from './approval.ids';
import { approvalDecider, deadlineAfter } from './index';

const spec = DeciderSpecification(approvalDecider);
const ALICE_RULES = ['cedar:Approve:allow:finance-approves'];
const BOB_RULES = ['cedar:Approve:allow:group-members'];
const approverRules = { 'approver:alice': ALICE_RULES, 'approver:bob': BOB_RULES };

const escalation = { escalatesAt: at(10), groups: ['oncall'], eligibleApprovers: ['approver:frank'] };
const review = {
  groups: ['security'],
  reviewers: ['approver:erin'],
  deadlineSeconds: 3600,
  escalation: { afterSeconds: 1800, groups: ['finance'], reviewers: ['approver:bob'] },
};
const personOf = (ids: string[]) => Object.fromEntries(ids.map((id) => [id, id.slice('approver:'.length)]));
const basePersons = openedEvent().data.personOf;

function openedWith(overrides: Partial<PolicyDecision>): ApprovalEvent[] {
  return approvalDecider.decide(openApproval({ policyDecision: decision(overrides) }), approvalDecider.initialState());
}

describe('approval decider: escalation', () => {
  const history = openedWith({ escalation, approverRules });

  it('schedules the escalation first, then the expiry', () => {
    expect(history.map(deadlineAfter).filter((due) => due !== undefined)).toEqual([at(10)]);
  });

  it('escalates at the deadline: who is added, who may vote now, and until when', () => {
    spec
      .given(history)
      .when({ type: 'CheckDeadlines', requestId: REQUEST_ID, now: at(10) })
      .then([
        {
          id: deterministicId(REQUEST_ID, IdTags.escalated),
          type: EventTypes.ApprovalEscalated,
          time: at(10),
          data: {
            requestId: REQUEST_ID,
            digest: DIGEST,
            requester: REQUESTER,
            policy: STAMP,
            quorum: 2,
            approvals: 0,
            addedGroups: ['oncall'],
            eligibleGroups: ['finance', 'oncall'],
            expiresAt: at(15),
            escalatedAt: at(10),
          },
        },
      ]);
  });

  it('records the persons of escalation approvers when it opens', () => {
    const [opened] = history;
    expect(opened?.type === 'approval.opened' && opened.data.personOf).toStrictEqual({ ...basePersons, ...personOf(['approver:frank']) });
  });
});

describe('approval decider: the rules that decided', () => {
  it('stamps an approval with the Cedar rules that let each approver vote', () => {
    const history = openedWith({ approverRules });
    const policy = { ...STAMP, rules: [...STAMP.rules, ...ALICE_RULES, ...BOB_RULES] };
    spec
      .given([...history, recordedEvent(1, 'alice', 'approve', 1)])
      .when(castVote(2, 'bob'))
      .then([
        recordedEvent(2, 'bob', 'approve', 2),
        approvedEvent([approverOf(1, 'alice'), approverOf(2, 'bob')], { notBefore: at(2), notAfter: at(17) }, at(2), 'quorum', policy),
      ]);
  });

  it('stamps a denial with the rules that let the denier vote', () => {
    const events = approvalDecider.decide(
      castVote(1, 'alice', 'deny'),
      openedWith({ approverRules }).reduce(approvalDecider.evolve, approvalDecider.initialState()),
    );
    expect(events[1]?.type === EventTypes.RequestDenied && events[1].data.policy.rules).toStrictEqual([...STAMP.rules, ...ALICE_RULES]);
  });

  it('rejects a vote Cedar refused, naming the rule', () => {
    const history = openedWith({ refusedApprovers: { 'approver:bob': ['cedar:Approve:deny:payments-need-finance'] } });
    spec
      .given(history)
      .when(castVote(1, 'bob'))
      .then([
        rejectedEvent(
          1,
          'bob',
          'not_eligible',
          'the authorization policy does not let approver:bob approve this (cedar:Approve:deny:payments-need-finance)',
        ),
      ]);
  });

  it('denies at once, as the policy, when Cedar refuses the requester', () => {
    const policy = { ...STAMP, rules: [...STAMP.rules, 'cedar:Request:deny:no-restricted-payments'] };
    const [opened, denied] = openedWith({ mode: 'refused', stamp: policy, eligibleApprovers: [], eligibleGroups: [] });
    expect(opened?.type).toBe('approval.opened');
    expect(denied).toStrictEqual({
      id: deterministicId(REQUEST_ID, IdTags.denied),
      type: EventTypes.RequestDenied,
      time: T0,
      data: {
        requestId: REQUEST_ID,
        digest: DIGEST,
        requester: REQUESTER,
        deniedBy: 'policy:test-1@payments-high',
        reason: `the authorization policy does not let ${REQUESTER} request this (cedar:Request:deny:no-restricted-payments)`,
        policy,
        deniedAt: T0,
      },
    });
  });

  it('denies at once, as the policy, naming what is missing when the tier requires a change intent', () => {
    const policy = { ...STAMP, rules: [...STAMP.rules, 'cedar:Request:allow:ask', 'intent:missing=rollbackPlan', 'intent:ticket-pattern'] };
    const [, denied] = openedWith({ mode: 'refused', stamp: policy, eligibleApprovers: [], eligibleGroups: [] });
    expect(denied?.type === EventTypes.RequestDenied && denied.data).toMatchObject({
      deniedBy: 'policy:test-1@payments-high',
      reason: 'tier payments-high requires a change intent this request does not meet (intent:missing=rollbackPlan, intent:ticket-pattern)',
    });
  });
});

describe('approval decider: break-glass review', () => {
  const history = openedWith({ quorum: 1, review });
  const required: ReviewRequired = {
    id: deterministicId(REQUEST_ID, IdTags.reviewRequired),
    type: EventTypes.ReviewRequired,
    time: at(1),
    data: {
      requestId: REQUEST_ID,
      digest: DIGEST,
      requester: REQUESTER,
      policy: STAMP,
      approvers: ['approver:alice'],
      reviewGroups: ['security'],
      dueAt: at(61),
      escalatesAt: at(31),
      requiredAt: at(1),
    },
  };
  const recorded = { ...recordedEvent(1, 'alice', 'approve', 1), data: { ...recordedEvent(1, 'alice', 'approve', 1).data, quorum: 1 } };

  it('requires the review together with the approval', () => {
    spec
      .given(history)
      .when(castVote(1, 'alice'))
      .then([recorded, approvedEvent([approverOf(1, 'alice')], { notBefore: at(1), notAfter: at(16) }, at(1)), required]);
  });

  it('closes the review with the reviewer’s verdict and reason', () => {
    const approved = approvedEvent([approverOf(1, 'alice')], { notBefore: at(1), notAfter: at(16) }, at(1));
    const vote = castVote(2, 'erin', 'deny', { now: at(70) });
    spec
      .given([...history, recorded, approved, required])
      .when({ ...vote, vote: { ...vote.vote, reason: 'no incident on record', review: true } })
      .then([
        {
          id: deterministicId(REQUEST_ID, IdTags.reviewEscalated),
          type: EventTypes.ReviewEscalated,
          time: at(70),
          data: {
            requestId: REQUEST_ID,
            digest: DIGEST,
            policy: STAMP,
            addedGroups: ['finance'],
            reviewGroups: ['security', 'finance'],
            dueAt: at(61),
            escalatedAt: at(70),
          },
        },
        {
          id: deterministicId(REQUEST_ID, IdTags.reviewOverdue),
          type: EventTypes.ReviewOverdue,
          time: at(70),
          data: {
            requestId: REQUEST_ID,
            digest: DIGEST,
            policy: STAMP,
            reviewGroups: ['security', 'finance'],
            dueAt: at(61),
            overdueAt: at(70),
          },
        },
        {
          id: deterministicId(voteId(2), IdTags.reviewCompleted),
          type: EventTypes.ReviewCompleted,
          time: at(70),
          data: {
            requestId: REQUEST_ID,
            digest: DIGEST,
            policy: STAMP,
            reviewer: 'approver:erin',
            voteId: voteId(2),
            verdict: 'disputed',
            reason: 'no incident on record',
            late: true,
            completedAt: at(70),
          },
        },
      ]);
  });
});
