import { deterministicId, EventTypes, type Outcome } from '@countersign/contracts';
import { DeciderSpecification } from '@countersign/decider/testing';
import { IdTags } from './intake.decide';
import { IntakeErrorCodes as Codes, type RequesterNotified } from './intake.events';
import {
  acceptedEvents,
  APPROVED_EVENT_ID,
  notifyOutcome,
  OTHER_SUBMISSION_ID,
  rejectedEvents,
  REQUEST_ID,
  REQUESTER,
  SUBMISSION_ID,
} from './testing/intake.fixtures';
import { intakeDecider } from './index';

const spec = DeciderSpecification(intakeDecider);

describe('intake decider', () => {
  describe('notifying later outcomes', () => {
    const notified = (outcome: Outcome, causationEventId = APPROVED_EVENT_ID, extra: { detail?: string } = {}): RequesterNotified => ({
      id: deterministicId(REQUEST_ID, IdTags.outcome(outcome)),
      type: EventTypes.RequesterNotified,
      time: '2026-11-21T10:05:00.000Z',
      data: {
        requestId: REQUEST_ID,
        submissionId: SUBMISSION_ID,
        requester: REQUESTER,
        outcome,
        ...extra,
        causationEventId,
        notifiedAt: '2026-11-21T10:05:00.000Z',
      },
    });

    it.each(['escalated', 'approved', 'denied', 'expired', 'executed', 'failed'] as const)(
      'tells the requester once that it was %s',
      (outcome) => {
        spec
          .given(acceptedEvents())
          .when(notifyOutcome({ outcome }))
          .then([notified(outcome)]);
      },
    );

    it('carries the detail when there is one', () => {
      spec
        .given(acceptedEvents())
        .when(notifyOutcome({ outcome: 'failed', detail: 'HTTP 503' }))
        .then([notified('failed', APPROVED_EVENT_ID, { detail: 'HTTP 503' })]);
    });

    it('does nothing on a redelivered or second cause of the same outcome', () => {
      const first = notified('failed');
      spec
        .given([...acceptedEvents(), first])
        .when(notifyOutcome({ outcome: 'failed', causationEventId: OTHER_SUBMISSION_ID }))
        .thenNothingHappened();
    });

    it.each(['executed', 'failed', 'denied', 'expired'] as const)('never tells escalated after it told %s', (ending) => {
      spec
        .given([...acceptedEvents(), notified(ending)])
        .when(notifyOutcome({ outcome: 'escalated' }))
        .thenNothingHappened();
    });

    it.each([
      ['executed', 'failed'],
      ['failed', 'executed'],
      ['denied', 'expired'],
    ] as const)('keeps the first ending: nothing after %s, whatever %s says', (first, second) => {
      spec
        .given([...acceptedEvents(), notified(first)])
        .when(notifyOutcome({ outcome: second }))
        .thenNothingHappened();
    });

    it('still tells an ending after escalated', () => {
      spec
        .given([...acceptedEvents(), notified('escalated')])
        .when(notifyOutcome({ outcome: 'denied' }))
        .then([notified('denied')]);
    });

    it('does nothing for a request intake never accepted', () => {
      spec.given([]).when(notifyOutcome()).thenNothingHappened();
      const errors = [{ path: 'action.kind', code: Codes.KindNotAllowed, message: 'x' }];
      spec.given(rejectedEvents(errors)).when(notifyOutcome()).thenNothingHappened();
    });
  });
});
