import { EventTypes, deterministicId } from '@countersign/contracts';
import { DeciderSpecification } from '@countersign/decider/testing';
import { checkCustody } from './custody';
import { custodyDecider, type CustodyEvent } from './custody.decider';
import { APPROVER, DIGEST, REQUESTER, REQUEST_ID, envelope, fullChain } from './testing/custody.fixtures';

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

  describe('when approval refused other votes on a request that executed correctly', () => {
    const chain = fullChain();
    const refusedVote = (id: string, data: Record<string, unknown>, time = chain.vote.time) =>
      envelope(id, EventTypes.VoteCast, 'approver:bob', time, { requestId: REQUEST_ID, decision: 'approve', ...data });
    const otherDigest = refusedVote('30000000-0000-4000-8000-000000000001', { digest: 'f'.repeat(64) });
    const lateClick = refusedVote('30000000-0000-4000-8000-000000000002', { digest: DIGEST }, '2026-11-21T10:30:00.000Z');
    const selfApproval = { ...otherDigest, id: '30000000-0000-4000-8000-000000000003', signer: REQUESTER };

    it('still verifies custody: a vote naming another digest, a late vote and the requester’s own vote approved nothing', () => {
      const withRefused = [...events, otherDigest, lateClick, selfApproval];
      spec.given([]).when(check(withRefused)).then([verified]);
    });

    it('raises a violation when the approval counts such a vote', () => {
      const approvers = [{ id: APPROVER, voteId: otherDigest.id, at: chain.approved.time }];
      const counted = { ...chain.approved, data: { ...(chain.approved.data as object), approvers, evidence: [otherDigest] } };
      const result = checkCustody([...events.filter((event) => event !== chain.approved), counted, otherDigest]);
      expect(result).toMatchObject({
        ok: false,
        violations: expect.arrayContaining([expect.objectContaining({ code: 'digest_mismatch' })]),
      });
    });
  });

  describe('when the request was checked', () => {
    it('checks only once, whatever arrives later', () => {
      spec.given([verified]).when(check(withoutIssued)).thenNothingHappened();
      spec.given([violation]).when(check()).thenNothingHappened();
    });
  });
});
