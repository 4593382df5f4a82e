import { EVENT_TYPES, EventTypes, type EventType } from './event-types';
import { AUDIT_STREAM_ORDER_KEY, publishOrder, Streams, subjectFor } from './subjects';

const publishOrderKey = (envelope: Parameters<typeof publishOrder>[0]) => publishOrder(envelope).key;

/** An envelope of `type` as `signer` would publish it, about request `subject`. */
const published = (type: EventType, subject: string, signer = 'service:audit') => ({
  type,
  subject,
  signer,
  data: { requester: 'requester:deploy-bot' },
});

describe('publishOrder', () => {
  it('puts records and checkpoints of the audit stream in one order, whatever they are about', () => {
    expect(publishOrderKey(published(EventTypes.AuditRecord, 'r-1'))).toBe(AUDIT_STREAM_ORDER_KEY);
    expect(publishOrderKey(published(EventTypes.AuditRecord, 'r-2'))).toBe(AUDIT_STREAM_ORDER_KEY);
    expect(publishOrderKey(published(EventTypes.AuditCheckpoint, 'checkpoint-9'))).toBe(AUDIT_STREAM_ORDER_KEY);
  });

  it('orders any other event with the events about the same subject only', () => {
    expect(publishOrderKey(published(EventTypes.AuditReceipt, 'r-1'))).toBe(publishOrderKey(published(EventTypes.RequestAccepted, 'r-1')));
    expect(publishOrderKey(published(EventTypes.RequestAccepted, 'r-1'))).not.toBe(
      publishOrderKey(published(EventTypes.RequestAccepted, 'r-2')),
    );
  });

  it('gives the audit stream’s key, as a whole stream, to exactly the types published on the audit stream', () => {
    const auditStream = Streams.audit.subjects[0].replace('>', '');
    for (const type of Object.keys(EVENT_TYPES) as EventType[]) {
      const envelope = published(type, 'r-1');
      const onAuditStream = subjectFor(envelope).startsWith(auditStream);
      expect([type, publishOrder(envelope)]).toEqual([
        type,
        onAuditStream ? { key: AUDIT_STREAM_ORDER_KEY, wholeStream: true } : expect.objectContaining({ wholeStream: false }),
      ]);
      expect([type, publishOrderKey(envelope) === AUDIT_STREAM_ORDER_KEY]).toEqual([type, onAuditStream]);
    }
  });
});
