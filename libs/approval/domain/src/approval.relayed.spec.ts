import { deterministicId, EVENT_TYPES, EventTypes } from '@countersign/contracts';
import { fold } from '@countersign/decider';
import { DeciderSpecification } from '@countersign/decider/testing';
import type { ApprovalCommand, CastVote } from './approval.commands';
import type { ApprovalEvent, RequestApproved, ReviewCompleted } from './approval.events';
import {
  approvedEvent,
  approverOf,
  at,
  castVote,
  decision,
  deniedEvent,
  DIGEST,
  RENDERING_DIGEST,
  openApproval,
  openedEvent,
  pending,
  recordedEvent,
  rejectedEvent,
  REQUEST_ID,
  requestedEvent,
  STAMP,
  voteId,
} from './testing/approval.fixtures';
import { IdTags } from './approval.ids';
import { approvalDecider, isLocalEvent } from './index';

const spec = DeciderSpecification(approvalDecider);

const slack = { via: 'slack' as const };
const NOBODY = 'Slack user U0MALLORY1 of team T0COUNTSGN is not mapped to any approver';
const unmapped = (reason = NOBODY) => ({ via: 'slack' as const, voter: 'channel:slack', unmapped: reason });
const stepUpDecision = () => decision({ stepUp: true });
const stepUpPending = () => [openedEvent({ stepUp: true }), requestedEvent({ stepUp: true })];
const stepUpRefusal = (name: string, flags = '--approve', what = 'approving this request') =>
  `${what} needs step-up: a vote via slack does not count, sign it with your own key: ` +
  `npx countersign vote --as ${name} --request ${REQUEST_ID} --digest ${DIGEST} --rendering ${RENDERING_DIGEST} ${flags}`;
const withStepUp = (approved: RequestApproved): RequestApproved => ({ ...approved, data: { ...approved.data, stepUp: true } });

describe('approval decider: votes relayed from Slack', () => {
  describe('opening', () => {
    it('asks for step-up when the tier needs it, and carries the accepted action', () => {
      spec
        .given([])
        .when(openApproval({ policyDecision: stepUpDecision() }))
        .then(stepUpPending());
    });

    it('says nothing about step-up when the tier does not need it', () => {
      spec.given([]).when(openApproval()).then(pending());
    });
  });

  describe('on a tier without step-up', () => {
    it('records a Slack approval as relayed via slack', () => {
      spec
        .given(pending())
        .when(castVote(1, 'alice', 'approve', slack))
        .then([recordedEvent(1, 'alice', 'approve', 1, 'slack')]);
    });

    it('approves on a Slack and a signed vote, crediting each approver with its channel', () => {
      spec
        .given([...pending(), recordedEvent(1, 'alice', 'approve', 1, 'slack')])
        .when(castVote(2, 'bob'))
        .then([
          recordedEvent(2, 'bob', 'approve', 2),
          approvedEvent([approverOf(1, 'alice', 'slack'), approverOf(2, 'bob')], { notBefore: at(2), notAfter: at(17) }, at(2)),
        ]);
    });

    it('rejects a person who voted in Slack voting again with their own key', () => {
      spec
        .given([...pending(), recordedEvent(1, 'alice', 'approve', 1, 'slack')])
        .when(castVote(2, 'alice'))
        .then([rejectedEvent(2, 'alice', 'duplicate_vote', 'alice already voted on this request as approver:alice')]);
    });

    it('rejects a person who voted with their own key voting again in Slack, under any identity', () => {
      spec
        .given([...pending(), recordedEvent(1, 'alice', 'approve', 1)])
        .when(castVote(2, 'alice-bot', 'approve', slack))
        .then([rejectedEvent(2, 'alice-bot', 'duplicate_vote', 'alice already voted on this request as approver:alice', at(2), 'slack')]);
    });

    it.each([
      [
        'the owner of the requesting agent',
        castVote(1, 'carol', 'approve', slack),
        rejectedEvent(
          1,
          'carol',
          'self_approval',
          'approver:carol is, or answers for, the requester requester:payments-agent and may not vote on it',
          at(1),
          'slack',
        ),
      ],
      [
        'someone outside the eligible groups',
        castVote(1, 'dave', 'deny', slack),
        rejectedEvent(1, 'dave', 'not_eligible', 'approver:dave is not in the eligible groups: finance', at(1), 'slack'),
      ],
      [
        'a click on a card showing another digest',
        castVote(1, 'alice', 'approve', { ...slack, digest: 'b'.repeat(64) }),
        rejectedEvent(
          1,
          'alice',
          'digest_mismatch',
          `the vote names digest ${'b'.repeat(64)}; the request's digest is ${DIGEST}`,
          at(1),
          'slack',
        ),
      ],
    ])('rejects a relayed vote by %s, as it would a signed one', (_why, command, rejected) => {
      spec.given(pending()).when(command).then([rejected]);
    });

    it('does nothing on a replayed relayed vote (same vote id)', () => {
      spec
        .given([...pending(), recordedEvent(1, 'alice', 'approve', 1, 'slack')])
        .when(castVote(1, 'alice', 'approve', slack))
        .thenNothingHappened();
    });
  });

  describe('on a step-up tier', () => {
    it('refuses a Slack approval, telling the approver how to vote with their own key', () => {
      spec
        .given(stepUpPending())
        .when(castVote(1, 'alice', 'approve', slack))
        .then([rejectedEvent(1, 'alice', 'step_up_required', stepUpRefusal('alice'), at(1), 'slack')]);
    });

    it('counts the same person’s signed vote after the refused click, and approves saying step-up', () => {
      spec
        .given([
          ...stepUpPending(),
          rejectedEvent(1, 'alice', 'step_up_required', stepUpRefusal('alice'), at(1), 'slack'),
          recordedEvent(2, 'alice', 'approve', 1),
        ])
        .when(castVote(3, 'bob'))
        .then([
          recordedEvent(3, 'bob', 'approve', 2),
          withStepUp(approvedEvent([approverOf(2, 'alice'), approverOf(3, 'bob')], { notBefore: at(3), notAfter: at(18) }, at(3))),
        ]);
    });

    it('counts a Slack deny, which denies at once', () => {
      spec
        .given([...stepUpPending(), recordedEvent(1, 'alice', 'approve', 1)])
        .when(castVote(2, 'bob', 'deny', slack))
        .then([recordedEvent(2, 'bob', 'deny', 1, 'slack'), deniedEvent('bob', at(2))]);
    });

    it('reports who may not vote before asking for step-up', () => {
      spec
        .given(stepUpPending())
        .when(castVote(1, 'carol', 'approve', slack))
        .then([
          rejectedEvent(
            1,
            'carol',
            'self_approval',
            'approver:carol is, or answers for, the requester requester:payments-agent and may not vote on it',
            at(1),
            'slack',
          ),
        ]);
    });

    it('does not answer a replayed refused click twice', () => {
      spec
        .given([...stepUpPending(), rejectedEvent(1, 'alice', 'step_up_required', stepUpRefusal('alice'), at(1), 'slack')])
        .when(castVote(1, 'alice', 'approve', slack))
        .thenNothingHappened();
    });
  });

  describe('a Slack user the registry maps to no approver', () => {
    const rejected = (n: number, reason = NOBODY) =>
      rejectedEvent(n, 'channel:slack', 'unmapped_voter', `a vote relayed via slack counts for no approver: ${reason}`, at(n), 'slack');

    it('counts for nobody: rejected in the channel’s name', () => {
      spec
        .given(pending())
        .when(castVote(1, 'alice', 'approve', unmapped()))
        .then([rejected(1)]);
    });

    it('cannot deny either', () => {
      spec
        .given(stepUpPending())
        .when(castVote(1, 'alice', 'deny', unmapped()))
        .then([rejected(1)]);
    });

    it('is rejected as unmapped before anything else, even with no approval open', () => {
      spec
        .given([])
        .when(
          castVote(
            1,
            'alice',
            'approve',
            unmapped(
              'Slack user U0ALICE001 of team T0COUNTSGN is approver:alice in the registry, but the vote was relayed as approver:bob',
            ),
          ),
        )
        .then([
          rejected(
            1,
            'Slack user U0ALICE001 of team T0COUNTSGN is approver:alice in the registry, but the vote was relayed as approver:bob',
          ),
        ]);
    });

    it('is rejected as unmapped when a relayed vote names no approver, even if the shell did not say why', () => {
      spec
        .given(pending())
        .when({ ...castVote(1, 'alice', 'approve', slack), voter: 'channel:slack' })
        .then([rejected(1, 'channel:slack is not an approver')]);
    });
  });

  describe('the break-glass review of a step-up tier', () => {
    const review = { groups: ['security'], reviewers: ['approver:erin'], deadlineSeconds: 3600 };
    const reviewVote = (n: number, voter: string, decisionValue: 'approve' | 'deny', extra: Partial<CastVote> = {}): CastVote => {
      const cast = castVote(n, voter, decisionValue, extra);
      return { ...cast, vote: { ...cast.vote, review: true } };
    };
    const approved = (): ApprovalEvent[] => {
      const commands: ApprovalCommand[] = [
        openApproval({ policyDecision: decision({ quorum: 1, stepUp: true, review }) }),
        castVote(1, 'alice'),
      ];
      return commands.reduce<ApprovalEvent[]>(
        (events, command) => [...events, ...approvalDecider.decide(command, fold(approvalDecider, events))],
        [],
      );
    };

    it('was approved by a signed vote, with step-up on the approval and a review owed', () => {
      expect(approved().map((event) => event.type)).toStrictEqual([
        'approval.opened',
        EventTypes.ApprovalRequested,
        EventTypes.VoteRecorded,
        EventTypes.RequestApproved,
        EventTypes.ReviewRequired,
      ]);
      const approval = approved().find((event) => event.type === EventTypes.RequestApproved);
      expect(approval?.type === EventTypes.RequestApproved && approval.data.stepUp).toBe(true);
    });

    it('refuses upholding it from Slack', () => {
      spec
        .given(approved())
        .when(reviewVote(2, 'erin', 'approve', slack))
        .then([
          rejectedEvent(
            2,
            'erin',
            'step_up_required',
            stepUpRefusal('erin', '--review --approve', 'upholding this break-glass approval'),
            at(2),
            'slack',
          ),
        ]);
    });

    it('accepts disputing it from Slack', () => {
      const completed: ReviewCompleted = {
        id: deterministicId(voteId(2), IdTags.reviewCompleted),
        type: EventTypes.ReviewCompleted,
        time: at(2),
        data: {
          requestId: REQUEST_ID,
          digest: DIGEST,
          policy: STAMP,
          reviewer: 'approver:erin',
          voteId: voteId(2),
          verdict: 'disputed',
          late: false,
          completedAt: at(2),
        },
      };
      spec
        .given(approved())
        .when(reviewVote(2, 'erin', 'deny', slack))
        .then([completed]);
    });

    it('rejects an unmapped Slack user’s review vote', () => {
      spec
        .given(approved())
        .when(reviewVote(2, 'erin', 'deny', unmapped()))
        .then([
          rejectedEvent(2, 'channel:slack', 'unmapped_voter', `a vote relayed via slack counts for no approver: ${NOBODY}`, at(2), 'slack'),
        ]);
    });
  });

  it('emits contract-valid data for relayed votes, refusals and step-up approvals', () => {
    const history = [...stepUpPending(), recordedEvent(1, 'alice', 'approve', 1)];
    const events = [
      ...history,
      ...approvalDecider.decide(castVote(2, 'bob', 'approve', slack), fold(approvalDecider, history)),
      ...approvalDecider.decide(castVote(2, 'bob', 'approve', unmapped()), fold(approvalDecider, history)),
      ...approvalDecider.decide(castVote(2, 'bob', 'deny', slack), fold(approvalDecider, history)),
      ...approvalDecider.decide(castVote(2, 'bob'), fold(approvalDecider, history)),
    ];
    expect(events.map((event) => event.type)).toContain(EventTypes.RequestApproved);
    for (const event of events) {
      if (isLocalEvent(event)) continue;
      const parsed = EVENT_TYPES[event.type].schema.safeParse(event.data);
      expect({ type: event.type, ok: parsed.success, error: parsed.error?.issues }).toStrictEqual({
        type: event.type,
        ok: true,
        error: undefined,
      });
    }
  });
});
