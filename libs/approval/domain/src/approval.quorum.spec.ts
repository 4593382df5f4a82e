import type { VoteRejectedV1 } from '@countersign/contracts';
import type { CastVote } from './approval.commands';
import type { ApprovalEvent } from './approval.events';
import { at, castVote, decision, openApproval } from './testing/approval.fixtures';
import type { ApprovalState } from './approval.state';
import { approvalDecider, approvalsOf } from './index';

/**
 * Teleport-style review thresholds: each scenario is a sequence of votes, and every step states
 * the approval's status (and approvals counted) right after it, with why. Cast in approval.fixtures:
 * alice, bob, erin ordinary; carol owns the requesting agent; alice-bot is alice; dave ineligible.
 */
interface Step {
  /** Who votes (`approver:<voter>`), at minute `minute` after opening (default: the step number). */
  voter: string;
  propose: 'approve' | 'deny';
  minute?: number;
  wrongDigest?: boolean;
  /** Redeliver the vote of an earlier step (1-based) instead of a new vote. */
  redeliver?: number;
  expect: ApprovalState['status'];
  approvals: number;
  rejected?: VoteRejectedV1['code'];
  why: string;
}

interface Scenario {
  desc: string;
  quorum: number;
  steps: Step[];
}

const scenarios: Scenario[] = [
  {
    desc: 'two distinct people approve',
    quorum: 2,
    steps: [
      { voter: 'alice', propose: 'approve', expect: 'pending', approvals: 1, why: 'one of two' },
      { voter: 'bob', propose: 'approve', expect: 'approved', approvals: 2, why: 'second distinct person reaches quorum' },
    ],
  },
  {
    desc: 'one person with two identities cannot make a quorum alone',
    quorum: 2,
    steps: [
      { voter: 'alice', propose: 'approve', expect: 'pending', approvals: 1, why: 'alice counts once' },
      { voter: 'alice-bot', propose: 'approve', expect: 'pending', approvals: 1, rejected: 'duplicate_vote', why: 'alice-bot is alice' },
      {
        voter: 'alice',
        propose: 'approve',
        expect: 'pending',
        approvals: 1,
        rejected: 'duplicate_vote',
        why: 'same identity, new vote id',
      },
      { voter: 'erin', propose: 'approve', expect: 'approved', approvals: 2, why: 'erin is a second person' },
    ],
  },
  {
    desc: 'the requester and its owner never count',
    quorum: 2,
    steps: [
      { voter: 'carol', propose: 'approve', expect: 'pending', approvals: 0, rejected: 'self_approval', why: 'carol owns the agent' },
      {
        voter: 'payments-agent',
        propose: 'approve',
        expect: 'pending',
        approvals: 0,
        rejected: 'self_approval',
        why: 'same name as the requester',
      },
      { voter: 'bob', propose: 'approve', expect: 'pending', approvals: 1, why: 'first real approval' },
      { voter: 'carol', propose: 'deny', expect: 'pending', approvals: 1, rejected: 'self_approval', why: 'the owner cannot deny either' },
      { voter: 'erin', propose: 'approve', expect: 'approved', approvals: 2, why: 'quorum of people who are not the requester' },
    ],
  },
  {
    desc: 'a deny short-circuits, and nothing counts afterwards',
    quorum: 2,
    steps: [
      { voter: 'alice', propose: 'approve', expect: 'pending', approvals: 1, why: 'one of two' },
      { voter: 'erin', propose: 'deny', expect: 'denied', approvals: 1, why: 'any eligible deny resolves at once' },
      { voter: 'bob', propose: 'approve', expect: 'denied', approvals: 1, rejected: 'already_resolved', why: 'too late: denied' },
    ],
  },
  {
    desc: 'ineligible and mismatched votes have no effect',
    quorum: 2,
    steps: [
      {
        voter: 'dave',
        propose: 'deny',
        expect: 'pending',
        approvals: 0,
        rejected: 'not_eligible',
        why: 'dave is not in finance, so even his deny does not count',
      },
      {
        voter: 'alice',
        propose: 'approve',
        wrongDigest: true,
        expect: 'pending',
        approvals: 0,
        rejected: 'digest_mismatch',
        why: 'alice saw another action',
      },
      {
        voter: 'alice',
        propose: 'approve',
        expect: 'pending',
        approvals: 1,
        why: 'alice again, on the right digest: her earlier vote was refused, not counted',
      },
      { voter: 'bob', propose: 'approve', expect: 'approved', approvals: 2, why: 'quorum' },
    ],
  },
  {
    desc: 'redeliveries change nothing',
    quorum: 2,
    steps: [
      { voter: 'alice', propose: 'approve', expect: 'pending', approvals: 1, why: 'one of two' },
      {
        voter: 'alice',
        propose: 'approve',
        redeliver: 1,
        expect: 'pending',
        approvals: 1,
        why: 'the same vote again: not a second approval',
      },
      { voter: 'bob', propose: 'approve', expect: 'approved', approvals: 2, why: 'quorum' },
      {
        voter: 'bob',
        propose: 'approve',
        redeliver: 3,
        expect: 'approved',
        approvals: 2,
        why: 'redelivery after resolution is silent, not rejected',
      },
    ],
  },
  {
    desc: 'expiry is not denial, and late votes do not revive the request',
    quorum: 2,
    steps: [
      { voter: 'alice', propose: 'approve', expect: 'pending', approvals: 1, why: 'one of two' },
      {
        voter: 'bob',
        propose: 'approve',
        minute: 15,
        expect: 'expired',
        approvals: 1,
        rejected: 'already_resolved',
        why: 'at the deadline the request expires first',
      },
      {
        voter: 'erin',
        propose: 'deny',
        minute: 16,
        expect: 'expired',
        approvals: 1,
        rejected: 'already_resolved',
        why: 'still expired, never denied',
      },
    ],
  },
  {
    desc: 'a quorum of one approves on the first eligible approval',
    quorum: 1,
    steps: [
      { voter: 'carol', propose: 'approve', expect: 'pending', approvals: 0, rejected: 'self_approval', why: 'the owner is never the one' },
      { voter: 'erin', propose: 'approve', expect: 'approved', approvals: 1, why: 'one distinct person suffices' },
    ],
  },
];

describe('approval quorum scenarios', () => {
  it.each(scenarios)('$desc', ({ quorum, steps }) => {
    let state = approvalDecider.initialState();
    const apply = (events: ApprovalEvent[]) => {
      state = events.reduce(approvalDecider.evolve, state);
      return events;
    };
    apply(approvalDecider.decide(openApproval({ policyDecision: decision({ quorum }) }), state));
    const sent: CastVote[] = [];
    steps.forEach((step, index) => {
      const vote = step.redeliver ? sent[step.redeliver - 1]! : castVote(index + 1, step.voter, step.propose, voteOptions(step, index));
      sent.push(vote);
      const events = apply(approvalDecider.decide(vote, state));
      const rejection = events.find((event) => event.type === 'countersign.vote.rejected.v1');
      const observed = {
        status: state.status,
        approvals: state.status === 'unknown' ? 0 : approvalsOf(state).length,
        rejected: rejection?.data.code,
      };
      expect({ step: index + 1, why: step.why, ...observed }).toStrictEqual({
        step: index + 1,
        why: step.why,
        status: step.expect,
        approvals: step.approvals,
        rejected: step.rejected,
      });
    });
  });
});

function voteOptions(step: Step, index: number) {
  return { now: at(step.minute ?? index + 1), ...(step.wrongDigest ? { digest: 'f'.repeat(64) } : {}) };
}
