import { EventTypes, deterministicId } from '@countersign/contracts';
import { DeciderSpecification } from '@countersign/decider/testing';
import { receiptDecider, ReceiptRecordedType, type ReceiptRecorded } from './audit-gate';
import {
  ACCEPTED_ID,
  APPROVAL_ID,
  NOW,
  OTHER_APPROVAL_ID,
  accepted,
  approval,
  fixtureReceipt,
  issueCommand,
  issued,
  refusedEvent,
} from './testing/credential.fixtures';
import { credentialDecider } from './credential.decide';
import type { CredentialEvent, CredentialRefused } from './credential.events';

const credentials = DeciderSpecification(credentialDecider);
const receipts = DeciderSpecification(receiptDecider);

const recordedRequest: CredentialEvent = {
  type: 'local.accepted.recorded',
  id: deterministicId(ACCEPTED_ID, 'broker.accepted.recorded'),
  data: { accepted: accepted() },
};
const receipt = fixtureReceipt(approval());
const receiptRecorded = (held = receipt): ReceiptRecorded => ({
  type: ReceiptRecordedType,
  id: deterministicId(held.id, 'broker.receipt.recorded'),
  data: { receipt: held },
});

const refused = (code: CredentialRefused['data']['code'], message: string, at = NOW): CredentialRefused =>
  refusedEvent(APPROVAL_ID, code, message, at);

describe('the audit gate before a credential', () => {
  describe('receipts, which arrive on their own consumer', () => {
    it('keeps a receipt that arrives before any approval', () => {
      receipts.given([]).when({ type: 'RecordReceipt', receipt }).then([receiptRecorded()]);
    });

    it('keeps a redelivered receipt once', () => {
      receipts.given([receiptRecorded()]).when({ type: 'RecordReceipt', receipt }).thenNothingHappened();
    });
  });

  describe('when the approval arrives before its receipt', () => {
    it('issues nothing and refuses nothing: the request waits for audit', () => {
      credentials
        .given([recordedRequest])
        .when(issueCommand({ receipts: [] }))
        .thenNothingHappened();
    });

    it('issues once the receipt is held', () => {
      credentials
        .given([recordedRequest])
        .when(issueCommand({ receipts: [receipt] }))
        .then([issued]);
    });

    it('ends the request visibly when the window closes while it waits', () => {
      const late = '2026-11-21T11:00:00.000Z';
      credentials
        .given([recordedRequest])
        .when(issueCommand({ receipts: [], now: late }))
        .then([refused('window_closed', `the approved window closed at ${late}`, late)]);
    });
  });

  describe('when the receipt arrived before the approval', () => {
    it('issues for the approval it names', () => {
      credentials
        .given([recordedRequest])
        .when(issueCommand({ receipts: [receipt] }))
        .then([issued]);
    });
  });

  describe('when the receipt does not name this approval', () => {
    it('keeps waiting on a receipt for another approval of the request', () => {
      const other = fixtureReceipt(approval({}, { id: OTHER_APPROVAL_ID }));
      credentials
        .given([recordedRequest])
        .when(issueCommand({ receipts: [other] }))
        .thenNothingHappened();
    });

    it('refuses, for good, a receipt that names this approval but another digest', () => {
      const wrong = fixtureReceipt(approval(), { digest: 'f'.repeat(64) });
      credentials
        .given([recordedRequest])
        .when(issueCommand({ receipts: [wrong] }))
        .then([refused('audit_receipt_invalid', `receipt ${wrong.id} names another digest than approval ${APPROVAL_ID}`)]);
    });

    it('refuses a receipt for other bytes than the approval the broker holds', () => {
      const forOther = fixtureReceipt(approval({ approvedAt: NOW }));
      credentials
        .given([recordedRequest])
        .when(issueCommand({ receipts: [receipt, forOther] }))
        .then([
          refused(
            'audit_receipt_invalid',
            `receipt ${forOther.id} covers other bytes than approval ${APPROVAL_ID}: audit recorded something else`,
          ),
        ]);
    });

    it('refuses a forged receipt signed by another service', () => {
      const forged = fixtureReceipt(approval(), {}, 'service:approval');
      credentials
        .given([recordedRequest])
        .when(issueCommand({ receipts: [forged] }))
        .then([
          refused(
            'audit_receipt_invalid',
            `receipt ${forged.id} is a ${EventTypes.AuditReceipt} signed by service:approval, not an audit receipt signed by service:audit`,
          ),
        ]);
    });
  });
});
