import { actionDigest, EventTypes, RequestAcceptedV1, RequesterNotifiedV1, RequestRejectedV1 } from '@countersign/contracts';
import { DeciderSpecification } from '@countersign/decider/testing';
import type { HandleSubmission } from './intake.commands';
import { IdTags } from './intake.decide';
import { IntakeErrorCodes as Codes } from './intake.events';
import { MAX_ACCEPTED_DATA_BYTES } from './submission.checks';
import {
  acceptedEvents,
  canonicalAction,
  handleSubmission,
  NOW,
  OTHER_SUBMISSION_ID,
  rejectedEvents,
  SUBMISSION_ID,
  submissionEnvelope,
  submissionPayload,
  TARGETS,
} from './testing/intake.fixtures';
import { intakeDecider } from './index';

const spec = DeciderSpecification(intakeDecider);
const action = submissionPayload().action;

describe('intake decider', () => {
  describe('when nothing was submitted yet', () => {
    it('accepts a valid submission, fills the default window and tells the requester', () => {
      spec.given([]).when(handleSubmission()).then(acceptedEvents());
    });

    it('keeps a requested window that is open and short enough', () => {
      const window = { notBefore: '2026-11-21T12:00:00.000Z', notAfter: '2026-11-21T13:00:00.000Z' };
      const payload = submissionPayload({ action: { ...action, window } });
      spec
        .given([])
        .when(handleSubmission({ payload }))
        .then(acceptedEvents(undefined, canonicalAction(window), payload));
    });

    it('fills in the registry facts when the submission states none', () => {
      const { environment: _stated, ...unlabelled } = action;
      const payload = submissionPayload({ action: unlabelled });
      spec
        .given([])
        .when(handleSubmission({ payload }))
        .then(acceptedEvents(undefined, canonicalAction(), payload));
    });

    it('digests what the registry says: another owner team is another digest', () => {
      const moved = TARGETS.map((target) => (target.name === 'billing-api' ? { ...target, ownerTeam: 'payments' } : target));
      const [accepted] = intakeDecider.decide(handleSubmission({ targets: moved }), intakeDecider.initialState());
      const data = accepted?.type === EventTypes.RequestAccepted ? accepted.data : undefined;
      expect(data?.action.ownerTeam).toBe('payments');
      expect(data?.digest).toBe(actionDigest({ ...canonicalAction(), ownerTeam: 'payments' }));
      expect(data?.digest).not.toBe(actionDigest(canonicalAction()));
    });

    it('carries the change intent into the accepted action and its digest', () => {
      const intent = { ticket: 'CHG-1042', expectedOutcome: 'cache warm', rollbackPlan: 'flush the cache' };
      const payload = submissionPayload({ action: { ...action, intent } });
      spec
        .given([])
        .when(handleSubmission({ payload }))
        .then(acceptedEvents(undefined, { ...canonicalAction(), intent }, payload));
    });

    it('caps the default window at 24 hours', () => {
      const window = { notBefore: NOW, notAfter: '2026-11-22T10:00:00.000Z' };
      spec
        .given([])
        .when(handleSubmission({ defaultWindowSeconds: 7 * 86400 }))
        .then(acceptedEvents(undefined, canonicalAction(window)));
    });

    it('rejects a submission whose accepted request, carrying it and its action, would not fit (too_large)', () => {
      // 40 strings of 4,000 characters: a valid 160 KB submission, a 320 KB accepted request.
      const parameters = Object.fromEntries(Array.from({ length: 40 }, (_, index) => [`p${index}`, 'x'.repeat(4000)]));
      const payload = submissionPayload({ action: { ...action, parameters } });
      const [wouldBe] = acceptedEvents(undefined, { ...canonicalAction(), parameters }, payload);
      const bytes = new TextEncoder().encode(JSON.stringify(wouldBe.data)).byteLength;
      const message = `the accepted request, which carries this submission and its action, would be ${bytes} bytes; the limit is ${MAX_ACCEPTED_DATA_BYTES}`;
      spec
        .given([])
        .when(handleSubmission({ payload }))
        .then(rejectedEvents([{ path: 'action', code: Codes.TooLarge, message }]));
    });

    it('emits events that satisfy the wire contract', () => {
      const [accepted, notified] = intakeDecider.decide(handleSubmission(), intakeDecider.initialState());
      expect(RequestAcceptedV1.safeParse(accepted?.data).success).toBe(true);
      expect(RequesterNotifiedV1.safeParse(notified?.data).success).toBe(true);
      const [rejected] = intakeDecider.decide(handleSubmission({ payload: 42 }), intakeDecider.initialState());
      expect(RequestRejectedV1.safeParse(rejected?.data).success).toBe(true);
    });

    it.each<[string, Partial<HandleSubmission>, string[][]]>([
      // [why, command overrides, expected errors as [path, code]]
      ['an unregistered signer', { registration: undefined }, [['requester', Codes.RequesterNotRegistered]]],
      [
        'a deregistered signer',
        { registration: { registered: false, allowedKinds: ['http.request'], allowedEnvironments: ['staging'] } },
        [['requester', Codes.RequesterNotRegistered]],
      ],
      [
        'a kind this requester may not ask for',
        { payload: submissionPayload({ action: { ...action, kind: 'payment.transfer' } }) },
        [['action.kind', Codes.KindNotAllowed]],
      ],
      [
        "kind and environment both not allowed (the environment being the registry's)",
        {
          payload: submissionPayload({ action: { kind: 'http.request', target: 'prod-db', parameters: {} } }),
          registration: { registered: true, allowedKinds: ['payment.transfer'], allowedEnvironments: ['staging'] },
        },
        [
          ['action.kind', Codes.KindNotAllowed],
          ['action.environment', Codes.EnvironmentNotAllowed],
        ],
      ],
      [
        'a target the registry does not list',
        { payload: submissionPayload({ action: { ...action, target: 'shadow-api' } }) },
        [['action.target', Codes.UnknownTarget]],
      ],
      [
        'a mislabelled environment (the registry says staging)',
        { payload: submissionPayload({ action: { ...action, environment: 'dev' } }) },
        [['action.environment', Codes.EnvironmentMismatch]],
      ],
      [
        'a mislabelled sensitivity (the registry says internal)',
        { payload: submissionPayload({ action: { ...action, dataSensitivity: 'public' } }) },
        [['action.dataSensitivity', Codes.SensitivityMismatch]],
      ],
      [
        'a requester the target does not allow',
        { payload: submissionPayload({ action: { ...action, target: 'ledger', environment: undefined } }) },
        [['action.target', Codes.RequesterNotAllowedOnTarget]],
      ],
      [
        'a kind the target does not accept',
        {
          payload: submissionPayload({ action: { ...action, target: 'prod-db', environment: undefined, kind: 'payment.transfer' } }),
          registration: { registered: true, allowedKinds: ['payment.transfer'], allowedEnvironments: ['production'] },
        },
        [['action.kind', Codes.KindNotAccepted]],
      ],
      ['a missing reason', { payload: submissionPayload({ reason: undefined }) }, [['reason', 'invalid_type']]],
      ['an unknown action field', { payload: submissionPayload({ action: { ...action, sudo: true } }) }, [['action', 'unrecognized_keys']]],
      [
        'a window that already ended',
        { payload: submissionPayload({ action: { ...action, window: { notBefore: '2026-11-21T08:00:00.000Z', notAfter: NOW } } }) },
        [['action.window.notAfter', Codes.WindowEnded]],
      ],
      [
        'a window longer than 24h',
        { payload: submissionPayload({ action: { ...action, window: { notBefore: NOW, notAfter: '2026-11-22T10:00:00.001Z' } } }) },
        [['action.window', Codes.WindowTooLong]],
      ],
    ])('rejects %s, naming the field', (_why, overrides, expected) => {
      const [rejected, notified] = intakeDecider.decide(handleSubmission(overrides), intakeDecider.initialState());
      expect(rejected?.type).toBe(EventTypes.RequestRejected);
      expect(rejected?.type === EventTypes.RequestRejected && rejected.data.errors.map((e) => [e.path, e.code])).toStrictEqual(expected);
      expect(notified?.type === EventTypes.RequesterNotified && notified.data.outcome).toBe('rejected');
    });

    it('rejects a payload that is not an object without inventing a request id', () => {
      const errors = [{ path: '(root)', code: 'invalid_type', message: 'Invalid input: expected object, received string' }];
      spec
        .given([])
        .when(handleSubmission({ payload: 'hello' }))
        .then(rejectedEvents(errors, { requestId: undefined, submission: submissionEnvelope(SUBMISSION_ID, 'hello') }));
    });

    it('rejects a signer who is not the requester of the subject, and answers the signer', () => {
      const errors = [
        {
          path: 'requester',
          code: Codes.RequesterMismatch,
          message: 'signed by requester:deploy-bot but published on the subject of requester mallory',
        },
      ];
      const tags: [string, string] = [IdTags.mismatchRejected, IdTags.mismatchNotified];
      spec
        .given([])
        .when(handleSubmission({ subjectRequester: 'mallory' }))
        .then(rejectedEvents(errors, { tags }));
    });
  });

  describe('when the submission was already answered', () => {
    it('does nothing on redelivery of an accepted submission', () => {
      spec.given(acceptedEvents()).when(handleSubmission()).thenNothingHappened();
    });

    it('does nothing on redelivery of a rejected submission', () => {
      const errors = [{ path: 'requester', code: Codes.RequesterNotRegistered, message: 'x' }];
      spec.given(rejectedEvents(errors)).when(handleSubmission()).thenNothingHappened();
    });

    it('does nothing on redelivery of a replayed (mismatched) submission', () => {
      const [first] = intakeDecider.decide(handleSubmission({ subjectRequester: 'mallory' }), intakeDecider.initialState());
      spec
        .given([first!])
        .when(handleSubmission({ subjectRequester: 'mallory' }))
        .thenNothingHappened();
    });

    it('still accepts the genuine submission after its replay was refused first', () => {
      const replay = intakeDecider.decide(handleSubmission({ subjectRequester: 'mallory' }), intakeDecider.initialState());
      spec.given(replay).when(handleSubmission()).then(acceptedEvents());
    });
  });

  describe('when the request id was already accepted', () => {
    it('rejects another submission reusing it as a duplicate', () => {
      const errors = [
        { path: 'requestId', code: Codes.DuplicateRequest, message: 'this request id was already accepted for another submission' },
      ];
      spec
        .given(acceptedEvents())
        .when(handleSubmission({ submissionId: OTHER_SUBMISSION_ID }))
        .then(rejectedEvents(errors, { submissionId: OTHER_SUBMISSION_ID, submission: submissionEnvelope(OTHER_SUBMISSION_ID) }));
    });
  });

  describe('when the request id was only rejected before', () => {
    it('accepts a corrected resubmission under a new submission id', () => {
      const errors = [{ path: 'action.kind', code: Codes.KindNotAllowed, message: 'x' }];
      spec
        .given(rejectedEvents(errors))
        .when(handleSubmission({ submissionId: OTHER_SUBMISSION_ID }))
        .then(acceptedEvents(OTHER_SUBMISSION_ID));
    });
  });
});
