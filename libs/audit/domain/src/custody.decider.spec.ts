import { EventTypes, deterministicId } from '@countersign/contracts';
import { DeciderSpecification } from '@countersign/decider/testing';
import { checkCustody } from './custody';
import { custodyDecider, type CustodyEvent } from './custody.decider';
import { REQUEST_ID, fullChain } from './custody.fixtures';

const spec = DeciderSpecification(custodyDecider);
const NOW = '2026-11-21T10:02:00.000Z';
const events = Object.values(fullChain());
const check = (recorded = events) => ({ type: 'CheckCustody', requestId: REQUEST_ID, events: recorded, now: NOW }) as const;

const clean = checkCustody(events);
if (!clean.ok) throw new Error('the fixture chain must verify');

const verified: CustodyEvent = {
  type: EventTypes.CustodyVerified,
  id: deterministicId(REQUEST_ID, 'custody.verified'),
  data: { requestId: REQUEST_ID, custody: clean.custody, verifiedAt: NOW },
};

const withoutIssued = events.filter((event) => event.type !== EventTypes.CredentialIssued);
const violation: CustodyEvent = {
  type: EventTypes.AuditViolation,
  id: deterministicId(REQUEST_ID, 'audit.violation'),
  data: { requestId: REQUEST_ID, violations: [{ code: 'missing_event', message: 'no issued event was recorded' }], detectedAt: NOW },
};

describe('custody decider', () => {
  describe('when the request is unchecked', () => {
    it('verifies a clean chain of custody', () => {
      spec.given([]).when(check()).then([verified]);
    });

    it('raises a violation otherwise', () => {
      spec.given([]).when(check(withoutIssued)).then([violation]);
    });
  });

  describe('when the request was checked', () => {
    it('checks only once, whatever arrives later', () => {
      spec.given([verified]).when(check(withoutIssued)).thenNothingHappened();
      spec.given([violation]).when(check()).thenNothingHappened();
    });
  });
});
