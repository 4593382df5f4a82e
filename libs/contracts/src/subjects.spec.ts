import { EVENT_TYPES, EventTypes, type EventType } from './event-types';
import { AUDIT_CHAIN_ORDER_KEY, publishOrder, Streams, subjectFor, WHOLE_STREAM_ORDER_KEYS } from './subjects';

/** An envelope of `type` as `signer` would publish it, about request `subject`. */
const published = (type: EventType, subject: string, signer = 'service:audit') => ({
  type,
  subject,
  signer,
  data: { requester: 'requester:deploy-bot' },
});

describe('publishOrder', () => {
  it('puts audit’s records and checkpoints in one order, whatever they are about', () => {
    for (const type of [EventTypes.AuditRecord, EventTypes.AuditCheckpoint]) {
      expect([type, publishOrder(published(type, 'r-1'))]).toEqual([type, { key: AUDIT_CHAIN_ORDER_KEY }]);
      expect([type, publishOrder(published(type, 'r-2'))]).toEqual([type, { key: AUDIT_CHAIN_ORDER_KEY }]);
    }
  });

  it('sends a receipt in its request’s order, after the chain’s last record', () => {
    expect(publishOrder(published(EventTypes.AuditReceipt, 'r-1'))).toEqual({
      key: publishOrder(published(EventTypes.RequestAccepted, 'r-1')).key,
      after: AUDIT_CHAIN_ORDER_KEY,
    });
  });

  it('orders any other event with the events about the same subject only', () => {
    expect(publishOrder(published(EventTypes.CustodyVerified, 'r-1'))).toEqual(publishOrder(published(EventTypes.RequestAccepted, 'r-1')));
    expect(publishOrder(published(EventTypes.RequestAccepted, 'r-1'))).not.toEqual(
      publishOrder(published(EventTypes.RequestAccepted, 'r-2')),
    );
  });

  it('gives exactly the types published on the audit stream the chain’s key, which is that whole stream', () => {
    const auditStream = Streams.audit.subjects[0].replace('>', '');
    for (const type of Object.keys(EVENT_TYPES) as EventType[]) {
      const envelope = published(type, 'r-1');
      const onAuditStream = subjectFor(envelope).startsWith(auditStream);
      expect([type, publishOrder(envelope).key === AUDIT_CHAIN_ORDER_KEY]).toEqual([type, onAuditStream]);
    }
    expect(WHOLE_STREAM_ORDER_KEYS[AUDIT_CHAIN_ORDER_KEY]).toEqual({ stream: Streams.audit.name, publisher: 'audit' });
  });
});
