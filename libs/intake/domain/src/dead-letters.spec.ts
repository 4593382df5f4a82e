import { deterministicId, EventTypes, type Envelope, type Outcome } from '@countersign/contracts';
import { DeciderSpecification } from '@countersign/decider/testing';
import type { FailStranded, RejectUnprocessable } from './intake.commands';
import { IdTags } from './intake.decide';
import { IntakeErrorCodes, type RequesterNotified } from './intake.events';
import { acceptedEvents, NOW, REQUEST_ID, REQUESTER, rejectedEvents, SUBMISSION_ID, submissionPayload } from './testing/intake.fixtures';
import { intakeDecider, strandedBy } from './index';

const spec = DeciderSpecification(intakeDecider);
const DEAD_LETTER_ID = '8c6f5e4d-3b2a-4f1e-9d9c-4b5a6f7e8d93';
const LATER = '2026-11-21T10:05:00.000Z';

const envelope = (fields: Partial<Envelope>): Envelope =>
  ({ id: SUBMISSION_ID, type: EventTypes.RequestSubmitted, signer: REQUESTER, data: submissionPayload(), ...fields }) as Envelope;
const accepted = envelope({ id: 'e1', type: EventTypes.RequestAccepted, signer: 'service:intake', data: { requestId: REQUEST_ID } });

const rejectUnprocessable = (): RejectUnprocessable => ({
  type: 'RejectUnprocessable',
  submissionId: SUBMISSION_ID,
  requester: REQUESTER,
  payload: submissionPayload(),
  code: 'max_deliveries',
  message: 'handler failed 5 times',
  now: NOW,
});

const failStranded = (): FailStranded => ({
  type: 'FailStranded',
  requestId: REQUEST_ID,
  causationEventId: DEAD_LETTER_ID,
  detail: 'in doubt, needs a human: service:approval could not process countersign.request.accepted.v1 (max_deliveries)',
  now: LATER,
});

describe('which dead letters strand a request (strandedBy)', () => {
  it('a genuine submission intake gave up on must still be answered', () => {
    expect(strandedBy('max_deliveries', envelope({}))).toEqual({
      kind: 'submission',
      submissionId: SUBMISSION_ID,
      requester: REQUESTER,
      payload: submissionPayload(),
    });
  });

  it('a genuine service event of a request another consumer gave up on leaves that request in doubt', () => {
    expect(strandedBy('max_deliveries', accepted)).toEqual({
      kind: 'request',
      requestId: REQUEST_ID,
      eventType: EventTypes.RequestAccepted,
    });
  });

  it.each(['replayed_event', 'subject_mismatch', 'stale_timestamp', 'future_timestamp'])('%s strands nothing', (code) => {
    expect(strandedBy(code, envelope({}))).toBeUndefined();
    expect(strandedBy(code, accepted)).toBeUndefined();
  });

  it('nothing unauthenticated, no vote and no dead letter about a dead letter fails a request', () => {
    expect(strandedBy('max_deliveries', undefined)).toBeUndefined();
    const vote = envelope({ type: EventTypes.VoteCast, signer: 'approver:alice', data: { requestId: REQUEST_ID } });
    expect(strandedBy('max_deliveries', vote)).toBeUndefined();
    const letter = envelope({ type: EventTypes.MessageDeadLettered, signer: 'service:approval', data: { requestId: REQUEST_ID } });
    expect(strandedBy('max_deliveries', letter)).toBeUndefined();
  });
});

const notice = (outcome: Outcome, causationEventId: string, detail?: string): RequesterNotified => ({
  id: deterministicId(REQUEST_ID, IdTags.outcome(outcome)),
  type: EventTypes.RequesterNotified,
  time: LATER,
  data: {
    requestId: REQUEST_ID,
    submissionId: SUBMISSION_ID,
    requester: REQUESTER,
    outcome,
    ...(detail ? { detail } : {}),
    causationEventId,
    notifiedAt: LATER,
  },
});

describe('intake decider on stranded work', () => {
  const unprocessable = [
    {
      path: '',
      code: IntakeErrorCodes.Unprocessable,
      message: 'intake could not process this submission (max_deliveries): handler failed 5 times',
    },
  ];

  it('rejects an unanswered submission it dead-lettered and tells the requester, with the ordinary rejection ids', () => {
    spec.given([]).when(rejectUnprocessable()).then(rejectedEvents(unprocessable));
  });

  it('does nothing for a submission already answered', () => {
    spec.given(acceptedEvents()).when(rejectUnprocessable()).thenNothingHappened();
    spec.given(rejectedEvents(unprocessable)).when(rejectUnprocessable()).thenNothingHappened();
  });

  it('tells the requester an accepted request failed, in doubt', () => {
    const told = notice('failed', DEAD_LETTER_ID, failStranded().detail);
    spec.given(acceptedEvents()).when(failStranded()).then([told]);
  });

  it('stays silent once the requester heard a final outcome, and for requests it never accepted', () => {
    const executed = notice('executed', 'x');
    spec
      .given([...acceptedEvents(), executed])
      .when(failStranded())
      .thenNothingHappened();
    spec.given([]).when(failStranded()).thenNothingHappened();
  });
});
