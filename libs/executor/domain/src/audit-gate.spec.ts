import { EventTypes, deterministicId, type Envelope } from '@countersign/contracts';
import { fixtureReceipt } from '@countersign/contracts/testing';
import { DeciderSpecification } from '@countersign/decider/testing';
import { checkAuditedChain, executionGate } from './audit-gate';
import {
  APPROVED_ID,
  CLAIM_ID,
  CREDENTIAL_ID,
  DIGEST,
  NOW,
  REQUEST_ID,
  accepted,
  approved,
  evidence,
  input,
  issued,
} from './testing/chain.fixtures';
import { evidenceDecider, type EvidenceEvent } from './evidence';
import { executionDecider } from './execution.decide';
import type { ExecutionEvent } from './execution.events';

const evidenceSpec = DeciderSpecification(evidenceDecider);
const execution = DeciderSpecification(executionDecider);

const receipt = fixtureReceipt(approved());
const recorded = (envelope: Envelope): EvidenceEvent => ({
  type: 'local.evidence.recorded',
  id: deterministicId(envelope.id, 'executor.evidence.recorded'),
  data: { envelope },
});
const record = (envelope: Envelope) => ({ type: 'RecordEvidence', envelope }) as const;
const held = (...envelopes: Envelope[]) => envelopes.map(recorded).reduce(evidenceDecider.evolve, evidenceDecider.initialState());

const claimOn = (receipts = [receipt]) =>
  ({
    type: 'ClaimExecution',
    requestId: REQUEST_ID,
    claimId: CLAIM_ID,
    now: NOW,
    check: checkAuditedChain(evidence({ receipts }), input()),
  }) as const;

const started: ExecutionEvent = {
  type: EventTypes.ExecutionStarted,
  id: deterministicId(CLAIM_ID, 'execution.started'),
  data: { requestId: REQUEST_ID, digest: DIGEST, credentialId: CREDENTIAL_ID, startedAt: NOW },
};
const refusedBy = (message: string): ExecutionEvent => ({
  type: EventTypes.ExecutionRefused,
  id: deterministicId(CLAIM_ID, 'execution.refused'),
  data: { requestId: REQUEST_ID, code: 'audit_receipt_invalid', message, refusedAt: NOW },
});

describe('the audit gate before an execution', () => {
  describe('recording receipts as evidence', () => {
    it('keeps a receipt that arrives before the approval and the credential', () => {
      evidenceSpec
        .given([])
        .when(record(receipt))
        .then([recorded(receipt)]);
    });

    it('keeps a receipt that arrives after them, once', () => {
      const links = [accepted(), approved(), issued()].map(recorded);
      evidenceSpec
        .given(links)
        .when(record(receipt))
        .then([recorded(receipt)]);
      evidenceSpec
        .given([...links, recorded(receipt)])
        .when(record(receipt))
        .thenNothingHappened();
    });
  });

  describe('when the approval and the credential arrived but no receipt yet', () => {
    it('waits: nothing is claimed, so nothing is refused for good', () => {
      expect(executionGate(held(accepted(), approved(), issued()))).toBe('wait');
    });

    it('goes once the receipt arrives, whatever the order', () => {
      expect(executionGate(held(receipt, accepted(), approved(), issued()))).toBe('go');
      expect(executionGate(held(accepted(), approved(), issued(), receipt))).toBe('go');
    });

    it('waits on a receipt for another approval of the request', () => {
      const other = fixtureReceipt(approved(), { approvedEventId: '9e9fbd85-6c4b-4a4d-8f8a-9d4c3b5a7e99' });
      expect(executionGate(held(accepted(), approved(), issued(), other))).toBe('wait');
    });
  });

  describe('claiming', () => {
    it('starts the execution behind a fitting receipt', () => {
      execution.given([]).when(claimOn()).then([started]);
    });

    it('refuses a receipt naming this approval with another digest', () => {
      const wrong = fixtureReceipt(approved(), { digest: 'f'.repeat(64) });
      execution
        .given([])
        .when(claimOn([wrong]))
        .then([refusedBy(`receipt ${wrong.id} names another digest than approval ${APPROVED_ID}`)]);
    });

    it('refuses a forged receipt, signed by another service', () => {
      const forged = fixtureReceipt(approved(), {}, 'service:broker');
      execution
        .given([])
        .when(claimOn([forged]))
        .then([
          refusedBy(
            `receipt ${forged.id} is a ${EventTypes.AuditReceipt} signed by service:broker, not an audit receipt signed by service:audit`,
          ),
        ]);
    });

    it('refuses a receipt for other bytes than the approval it holds', () => {
      const other = fixtureReceipt(approved({ approvedAt: NOW }));
      execution
        .given([])
        .when(claimOn([other]))
        .then([refusedBy(`receipt ${other.id} covers other bytes than approval ${APPROVED_ID}: audit recorded something else`)]);
    });
  });
});
