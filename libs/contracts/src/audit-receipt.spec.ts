import { auditGate, auditReceiptProblem, custodyReceiptProblem } from './audit-receipt';
import { EventTypes } from './event-types';
import type { Envelope } from './envelope';
import type { RequestApprovedV1 } from './events/approval';
import { FIXTURE_DIGEST, FIXTURE_REQUESTER, FIXTURE_REQUEST_ID, fixtureAction, fixtureEnvelope, fixtureReceipt } from './testing';

const approved: Envelope<RequestApprovedV1> = fixtureEnvelope({
  id: '2d8eac74-5b3a-4f3c-9e79-8c3b2a4f6d33',
  type: EventTypes.RequestApproved,
  signer: 'service:approval',
  time: '2026-11-21T09:59:30.000Z',
  data: {
    requestId: FIXTURE_REQUEST_ID,
    digest: FIXTURE_DIGEST,
    requester: FIXTURE_REQUESTER,
    acceptedEventId: '1c7d9b63-4a2f-4e2b-8d68-7b2a1f3e5c22',
    mode: 'auto',
    approvers: [{ id: 'policy:low-risk@auto', at: '2026-11-21T09:59:30.000Z' }],
    policy: { version: `sha256:${'ab'.repeat(32)}`, label: 'low-risk', tier: 'auto', rules: ['auto'] },
    window: fixtureAction.window,
    approvedAt: '2026-11-21T09:59:30.000Z',
  },
});
const receipt = fixtureReceipt(approved);

describe('the audit receipt rule', () => {
  it('accepts audit’s receipt for exactly this approval', () => {
    expect(auditReceiptProblem(receipt, approved)).toBeUndefined();
    expect(auditGate([receipt], approved)).toEqual({ status: 'open', receiptId: receipt.id });
  });

  it('waits without receipts, and on a receipt for another approval of the request', () => {
    const other = fixtureReceipt({ ...approved, id: '3e9fbd85-6c4b-4a4d-8f8a-9d4c3b5a7e44' });
    expect(auditGate([], approved).status).toBe('waiting');
    expect(auditGate([other], approved).status).toBe('waiting');
  });

  it('refuses a receipt for this approval that is not audit’s, or names another request, digest or bytes', () => {
    const cases = [
      fixtureReceipt(approved, {}, 'service:approval'),
      fixtureReceipt(approved, { requestId: '9e9fbd85-6c4b-4a4d-8f8a-9d4c3b5a7e99' }),
      fixtureReceipt(approved, { digest: 'f'.repeat(64) }),
      fixtureReceipt(approved, { evidenceHash: 'e'.repeat(64) }),
    ];
    for (const bad of cases) expect(auditGate([receipt, bad], approved).status).toBe('refused');
  });

  it('in custody, requires the receipt no later than the credential', () => {
    expect(custodyReceiptProblem(receipt, approved, { id: 'c', time: '2026-11-21T09:59:30.000Z' })).toBeUndefined();
    expect(custodyReceiptProblem(receipt, approved, { id: 'c', time: '2026-11-21T09:59:29.999Z' })).toMatch(/before audit's receipt/);
  });
});
