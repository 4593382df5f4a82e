import { deterministicId, EventTypes, RequesterNotifiedV1, RequestRejectedV1 } from '@countersign/contracts';
import { DeciderSpecification } from '@countersign/decider/testing';
import { joinDigestOf } from './admission';
import { IdTags } from './intake.decide';
import type { RequesterNotified } from './intake.events';
import {
  acceptedEvents,
  canonicalAction,
  handleSubmission,
  NOW,
  OTHER_SUBMISSION_ID,
  rejectedEvents,
  REQUEST_ID,
  REQUESTER,
  SUBMISSION_ID,
  submissionEnvelope,
  submissionPayload,
} from './testing/intake.fixtures';
import { intakeDecider, previewAcceptance } from './index';

const spec = DeciderSpecification(intakeDecider);
const PENDING_ID = '9c8b7a6f-5e4d-4c3b-8a29-1f0e9d8c7b6a';
const JOINED = { verdict: 'joined', joinedRequestId: PENDING_ID } as const;
const LIMITED = { verdict: 'rate_limited', tier: 'production-change', budget: 'pendingApprovals', limit: 3 } as const;

const joinedNotice: RequesterNotified = {
  id: deterministicId(SUBMISSION_ID, IdTags.joined),
  type: EventTypes.RequesterNotified,
  time: NOW,
  data: {
    requestId: REQUEST_ID,
    submissionId: SUBMISSION_ID,
    requester: REQUESTER,
    outcome: 'joined',
    detail: `the same action is already pending as request ${PENDING_ID}: no second approval was opened; its outcome is this one's`,
    causationEventId: SUBMISSION_ID,
    notifiedAt: NOW,
    joinedRequestId: PENDING_ID,
  },
};

const rateLimited = [
  {
    path: '',
    code: 'rate_limited',
    message:
      'rate limited: this requester already has 3 pending approvals in tier production-change (budget pendingApprovals); try again later',
  },
];

describe('intake decider: budgets and joins', () => {
  it('joins a pending request: one notice naming it, no acceptance, nothing for approvers', () => {
    spec
      .given([])
      .when(handleSubmission({ admission: JOINED }))
      .then([joinedNotice]);
  });

  it('refuses a submission over budget with rate_limited, carrying the submission for audit', () => {
    spec
      .given([])
      .when(handleSubmission({ admission: LIMITED }))
      .then(rejectedEvents(rateLimited, { submission: submissionEnvelope() }));
  });

  it('rejects for what is wrong before any budget verdict: the budget is about acceptable submissions only', () => {
    const payload = submissionPayload({ action: { ...submissionPayload().action, kind: 'payment.transfer' } });
    const [rejected] = intakeDecider.decide(handleSubmission({ payload, admission: LIMITED }), intakeDecider.initialState());
    const errors = rejected?.type === EventTypes.RequestRejected ? rejected.data.errors.map((error) => error.code) : [];
    expect(errors).toEqual(['kind_not_allowed']);
  });

  it('answers a redelivered joined submission with nothing, and refuses its request id to another submission', () => {
    spec
      .given([joinedNotice])
      .when(handleSubmission({ admission: JOINED }))
      .thenNothingHappened();
    const [rejected] = intakeDecider.decide(
      handleSubmission({ submissionId: OTHER_SUBMISSION_ID }),
      [joinedNotice].reduce(intakeDecider.evolve, intakeDecider.initialState()),
    );
    expect(rejected?.type === EventTypes.RequestRejected && rejected.data.errors.map((error) => error.code)).toEqual(['duplicate_request']);
  });

  it('accepts a request whose earlier submission was rate limited, once the budget allows', () => {
    const refused = intakeDecider.decide(handleSubmission({ admission: LIMITED }), intakeDecider.initialState());
    spec
      .given(refused)
      .when(handleSubmission({ submissionId: OTHER_SUBMISSION_ID }))
      .then(acceptedEvents(OTHER_SUBMISSION_ID));
  });

  it('emits joined and rate_limited events that satisfy the wire contract', () => {
    expect(RequesterNotifiedV1.safeParse(joinedNotice.data).success).toBe(true);
    const [rejected] = rejectedEvents(rateLimited, { submission: submissionEnvelope() });
    expect(RequestRejectedV1.safeParse(rejected.data).success).toBe(true);
  });

  describe('previewAcceptance', () => {
    it('previews an acceptable submission with its join digest', () => {
      expect(previewAcceptance(handleSubmission(), intakeDecider.initialState())).toEqual({
        requestId: REQUEST_ID,
        action: canonicalAction(),
        joinDigest: joinDigestOf(canonicalAction(), false),
      });
    });

    it('previews nothing for a submission that will be rejected or was answered', () => {
      expect(previewAcceptance(handleSubmission({ payload: { nope: true } }), intakeDecider.initialState())).toBeUndefined();
      const answered = acceptedEvents().reduce(intakeDecider.evolve, intakeDecider.initialState());
      expect(previewAcceptance(handleSubmission(), answered)).toBeUndefined();
    });
  });

  describe('joinDigestOf', () => {
    const later = { notBefore: '2026-11-21T10:05:00.000Z', notAfter: '2026-11-21T11:05:00.000Z' };
    const retried = { ...canonicalAction(later), requestId: PENDING_ID };

    it('is the same for a retry under a new request id and a defaulted window', () => {
      expect(joinDigestOf(retried, false)).toBe(joinDigestOf(canonicalAction(), false));
    });

    it('tells apart a window the requester asked for, and any change to the action', () => {
      expect(joinDigestOf(retried, true)).not.toBe(joinDigestOf(canonicalAction(), true));
      expect(joinDigestOf({ ...retried, parameters: { path: '/v1/other' } }, false)).not.toBe(joinDigestOf(canonicalAction(), false));
    });
  });
});
