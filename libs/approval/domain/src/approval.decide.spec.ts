import { EVENT_TYPES, EventTypes } from '@countersign/contracts';
import { fold } from '@countersign/decider';
import { DeciderSpecification } from '@countersign/decider/testing';
import {
  accepted,
  ACTION,
  approvedEvent,
  approverOf,
  at,
  castVote,
  decision,
  deniedEvent,
  DIGEST,
  RENDERING_DIGEST,
  expiredEvent,
  openApproval,
  openedEvent,
  pending,
  recordedEvent,
  rejectedEvent,
  REQUEST_ID,
  REQUESTER,
  requestedEvent,
  STAMP,
  T0,
} from './testing/approval.fixtures';
import { approvalDecider, isExpired, isLocalEvent, pendingExpiry } from './index';

const spec = DeciderSpecification(approvalDecider);
describe('approval decider', () => {
  describe('when no approval is open', () => {
    it('opens a quorum approval and asks the eligible groups', () => {
      spec.given([]).when(openApproval()).then(pending());
    });

    describe("an agent workload's request", () => {
      const agent = (onBehalfOf: string) => ({
        workload: REQUESTER,
        runId: 'run-7',
        taskScope: 'vendor-payments',
        onBehalfOf,
        runExpiresAt: at(60),
      });
      const opened = (onBehalfOf: string, person: string) => [
        openedEvent({ agent: agent(onBehalfOf), requesterPersons: ['payments-agent', 'carol', person] }),
        requestedEvent({ agent: agent(onBehalfOf) }),
      ];

      it('carries the run into the approval request approvers see, the human it acts for among those it stands for', () => {
        spec
          .given([])
          .when(openApproval({ accepted: { ...accepted(), agent: agent('approver:bob') } }))
          .then(opened('approver:bob', 'bob'));
      });

      it.each([
        ['the human the run acts for', 'approver:bob', 'bob', 'bob'],
        ["another identity of that human's", 'approver:alice', 'alice', 'alice-bot'],
      ])('rejects a vote by %s as self-approval', (_why, onBehalfOf, person, voter) => {
        const message = `approver:${voter} is, or answers for, the requester requester:payments-agent and may not vote on it`;
        spec
          .given(opened(onBehalfOf, person))
          .when(castVote(1, voter))
          .then([rejectedEvent(1, voter, 'self_approval', message)]);
      });
    });

    it('auto-approves on the policy’s authority, for the execution window from now', () => {
      const auto = decision({ mode: 'auto', quorum: 1, eligibleGroups: [], eligibleApprovers: [], stamp: { ...STAMP, tier: 'low-risk' } });
      const policy = { ...STAMP, tier: 'low-risk' };
      spec
        .given([])
        .when(openApproval({ policyDecision: auto }))
        .then([
          openedEvent({ mode: 'auto', quorum: 1, eligibleGroups: [], eligibleApprovers: [], personOf: {}, policy }),
          approvedEvent([{ id: 'policy:test-1@low-risk', at: T0 }], { notBefore: T0, notAfter: at(15) }, T0, 'auto', policy),
        ]);
    });

    it('starts the execution window at the request’s notBefore when that is later', () => {
      const window = { notBefore: at(30), notAfter: at(90) };
      const [, approved] = approvalDecider.decide(
        openApproval({
          accepted: accepted({ ...ACTION, window }),
          policyDecision: decision({ mode: 'auto', quorum: 1, eligibleApprovers: [], eligibleGroups: [] }),
        }),
        approvalDecider.initialState(),
      );
      expect(approved?.type === EventTypes.RequestApproved && approved.data.window).toStrictEqual({ notBefore: at(30), notAfter: at(45) });
    });

    it('never waits past the end of the request window', () => {
      const [opened] = approvalDecider.decide(
        openApproval({ policyDecision: decision({ pendingExpiresAt: at(600) }) }),
        approvalDecider.initialState(),
      );
      expect(opened?.type === 'approval.opened' && opened.data.expiresAt).toBe(at(60));
    });

    it('expires at once when the request window ended before approval could open', () => {
      spec
        .given([])
        .when(openApproval({ now: at(61), policyDecision: decision({ pendingExpiresAt: at(76) }) }))
        .then([openedEvent({ expiresAt: at(60), openedAt: at(61) }, at(61)), expiredEvent(0, at(61), at(60))]);
    });

    it('rejects a vote for a request it does not know', () => {
      spec
        .given([])
        .when(castVote(1, 'alice'))
        .then([rejectedEvent(1, 'alice', 'unknown_request', 'no approval is open for this request')]);
    });

    it('does nothing on an expiry tick', () => {
      spec
        .given([])
        .when({ type: 'CheckDeadlines', requestId: REQUEST_ID, now: at(99) })
        .thenNothingHappened();
    });

    it('still opens after an early vote was refused', () => {
      spec
        .given([rejectedEvent(1, 'alice', 'unknown_request', 'x')])
        .when(openApproval())
        .then(pending());
    });
  });

  describe('when pending', () => {
    it('does nothing when the accepted request is redelivered', () => {
      spec.given(pending()).when(openApproval()).thenNothingHappened();
    });

    it('records an approval below quorum', () => {
      spec
        .given(pending())
        .when(castVote(1, 'alice'))
        .then([recordedEvent(1, 'alice', 'approve', 1)]);
    });

    it('approves when the second distinct person approves, crediting both', () => {
      spec
        .given([...pending(), recordedEvent(1, 'alice', 'approve', 1)])
        .when(castVote(2, 'bob'))
        .then([
          recordedEvent(2, 'bob', 'approve', 2),
          approvedEvent([approverOf(1, 'alice'), approverOf(2, 'bob')], { notBefore: at(2), notAfter: at(17) }, at(2)),
        ]);
    });

    it('carries the approvers’ reasons into the approval', () => {
      const [, approved] = approvalDecider.decide(
        {
          ...castVote(2, 'bob'),
          vote: {
            requestId: REQUEST_ID,
            digest: DIGEST,
            renderingDigest: RENDERING_DIGEST,
            decision: 'approve',
            reason: 'invoice checked',
          },
        },
        fold(approvalDecider, [...pending(), recordedEvent(1, 'alice', 'approve', 1)]),
      );
      expect(approved?.type === EventTypes.RequestApproved && approved.data.approvers[1]).toStrictEqual({
        ...approverOf(2, 'bob'),
        reason: 'invoice checked',
      });
    });

    it('denies on the first deny, even after approvals', () => {
      const deny = {
        ...castVote(2, 'bob', 'deny'),
        vote: {
          requestId: REQUEST_ID,
          digest: DIGEST,
          renderingDigest: RENDERING_DIGEST,
          decision: 'deny' as const,
          reason: 'wrong vendor',
        },
      };
      spec
        .given([...pending(), recordedEvent(1, 'alice', 'approve', 1)])
        .when(deny)
        .then([
          { ...recordedEvent(2, 'bob', 'deny', 1), data: { ...recordedEvent(2, 'bob', 'deny', 1).data, reason: 'wrong vendor' } },
          deniedEvent('bob', at(2), 'wrong vendor'),
        ]);
    });

    it.each([
      // [why, voter, code, message]
      [
        'the owner of the requesting agent',
        'carol',
        'self_approval',
        'approver:carol is, or answers for, the requester requester:payments-agent and may not vote on it',
      ],
      [
        'an approver named like the requester',
        'payments-agent',
        'self_approval',
        'approver:payments-agent is, or answers for, the requester requester:payments-agent and may not vote on it',
      ],
      ['someone outside the eligible groups', 'dave', 'not_eligible', 'approver:dave is not in the eligible groups: finance'],
    ] as const)('rejects %s', (_why, voter, code, message) => {
      spec
        .given(pending())
        .when(castVote(1, voter))
        .then([rejectedEvent(1, voter, code, message)]);
    });

    it('rejects a second vote by the same identity', () => {
      spec
        .given([...pending(), recordedEvent(1, 'alice', 'approve', 1)])
        .when(castVote(2, 'alice'))
        .then([rejectedEvent(2, 'alice', 'duplicate_vote', 'alice already voted on this request as approver:alice')]);
    });

    it('rejects the same person voting again under another identity', () => {
      spec
        .given([...pending(), recordedEvent(1, 'alice', 'approve', 1)])
        .when(castVote(2, 'alice-bot'))
        .then([rejectedEvent(2, 'alice-bot', 'duplicate_vote', 'alice already voted on this request as approver:alice')]);
    });

    it('rejects a vote for a digest other than the request’s', () => {
      const other = 'b'.repeat(64);
      spec
        .given(pending())
        .when(castVote(1, 'alice', 'approve', { digest: other }))
        .then([rejectedEvent(1, 'alice', 'digest_mismatch', `the vote names digest ${other}; the request's digest is ${DIGEST}`)]);
    });

    it('does nothing on a redelivered vote, recorded or rejected', () => {
      spec
        .given([...pending(), recordedEvent(1, 'alice', 'approve', 1)])
        .when(castVote(1, 'alice'))
        .thenNothingHappened();
      spec
        .given([...pending(), rejectedEvent(1, 'dave', 'not_eligible', 'x')])
        .when(castVote(1, 'dave'))
        .thenNothingHappened();
    });

    it('does nothing on an expiry tick before the deadline', () => {
      spec
        .given(pending())
        .when({ type: 'CheckDeadlines', requestId: REQUEST_ID, now: at(14) })
        .thenNothingHappened();
    });

    it('expires at the deadline, counting the approvals it had', () => {
      spec
        .given([...pending(), recordedEvent(1, 'alice', 'approve', 1)])
        .when({ type: 'CheckDeadlines', requestId: REQUEST_ID, now: at(15) })
        .then([expiredEvent(1, at(15))]);
    });

    it('records the expiry first when a vote arrives after the deadline but before the timer', () => {
      spec
        .given(pending())
        .when(castVote(16, 'alice'))
        .then([expiredEvent(0, at(16)), rejectedEvent(16, 'alice', 'already_resolved', `the request expired at ${at(15)}`)]);
    });
  });

  describe.each([
    [
      'approved',
      () => [
        ...pending(),
        recordedEvent(1, 'alice', 'approve', 1),
        recordedEvent(2, 'bob', 'approve', 2),
        approvedEvent([approverOf(1, 'alice'), approverOf(2, 'bob')], { notBefore: at(2), notAfter: at(17) }, at(2)),
      ],
    ],
    ['denied', () => [...pending(), recordedEvent(1, 'alice', 'deny', 0), deniedEvent('alice', at(1))]],
    ['expired', () => [...pending(), expiredEvent(0, at(15))]],
  ])('when %s', (status, history) => {
    it('rejects any further vote as already resolved', () => {
      spec
        .given(history())
        .when(castVote(20, 'erin'))
        .then([rejectedEvent(20, 'erin', 'already_resolved', `the request was already ${status}`)]);
    });

    it('does nothing on an expiry tick or a redelivered request', () => {
      spec
        .given(history())
        .when({ type: 'CheckDeadlines', requestId: REQUEST_ID, now: at(99) })
        .thenNothingHappened();
      spec.given(history()).when(openApproval()).thenNothingHappened();
    });

    it('answers queries', () => {
      const state = fold(approvalDecider, history());
      expect(pendingExpiry(state)).toBeUndefined();
      expect(isExpired(state, at(99))).toBe(status === 'expired');
    });
  });

  describe('queries while pending', () => {
    const state = fold(approvalDecider, pending());
    it('tells the timer when to fire, and whether it is due', () => {
      expect(pendingExpiry(state)).toBe(at(15));
      expect([isExpired(state, at(14)), isExpired(state, at(15))]).toStrictEqual([false, true]);
    });
  });

  it('emits contract-valid data for every published event, and marks the opening as local', () => {
    const history = [...pending(), recordedEvent(1, 'alice', 'approve', 1)];
    const events = [
      ...history,
      ...approvalDecider.decide(castVote(2, 'bob'), fold(approvalDecider, history)),
      ...approvalDecider.decide(castVote(3, 'dave'), fold(approvalDecider, history)),
      ...approvalDecider.decide(castVote(2, 'bob', 'deny'), fold(approvalDecider, history)),
      ...approvalDecider.decide({ type: 'CheckDeadlines', requestId: REQUEST_ID, now: at(20) }, fold(approvalDecider, history)),
    ];
    for (const event of events) {
      if (isLocalEvent(event)) continue;
      const parsed = EVENT_TYPES[event.type].schema.safeParse(event.data);
      expect({ type: event.type, ok: parsed.success, error: parsed.error?.issues }).toStrictEqual({
        type: event.type,
        ok: true,
        error: undefined,
      });
    }
    expect(events.filter(isLocalEvent).map((e) => e.type)).toStrictEqual(['approval.opened']);
  });
});
