import { EVENT_TYPES, EventTypes, type EventType } from './event-types';
import { AUDIT_CHAIN_ORDER_KEY, publishOrderKey, Streams, subjectFor } from './subjects';

/** An envelope of `type` as `signer` would publish it, about request `subject`. */
const published = (type: EventType, subject: string, signer = 'service:audit') => ({
  type,
  subject,
  signer,
  data: { requester: 'requester:deploy-bot' },
});

describe('publishOrderKey', () => {
  it('puts audit’s records, checkpoints and receipts in one order, whatever they are about', () => {
    for (const type of [EventTypes.AuditRecord, EventTypes.AuditCheckpoint, EventTypes.AuditReceipt]) {
      expect([type, publishOrderKey(published(type, 'r-1'))]).toEqual([type, AUDIT_CHAIN_ORDER_KEY]);
      expect([type, publishOrderKey(published(type, 'r-2'))]).toEqual([type, AUDIT_CHAIN_ORDER_KEY]);
    }
  });

  it('orders any other event with the events about the same subject only', () => {
    expect(publishOrderKey(published(EventTypes.CustodyVerified, 'r-1'))).toBe(
      publishOrderKey(published(EventTypes.RequestAccepted, 'r-1')),
    );
    expect(publishOrderKey(published(EventTypes.RequestAccepted, 'r-1'))).not.toBe(
      publishOrderKey(published(EventTypes.RequestAccepted, 'r-2')),
    );
  });

  it('gives every type published on the audit stream the chain’s key', () => {
    const auditStream = Streams.audit.subjects[0].replace('>', '');
    for (const type of Object.keys(EVENT_TYPES) as EventType[]) {
      const envelope = published(type, 'r-1');
      if (subjectFor(envelope).startsWith(auditStream)) expect([type, publishOrderKey(envelope)]).toEqual([type, AUDIT_CHAIN_ORDER_KEY]);
    }
  });
});
