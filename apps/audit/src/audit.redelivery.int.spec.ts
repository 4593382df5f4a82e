import { EventTypes, type AuditReceiptV1, type AuditRecordV1, type Envelope } from '@countersign/contracts';
import { AUDIT_LOG_STREAM, verifyChain } from '@countersign/audit-domain';
import type { StoredEvent } from '@countersign/event-store';
import { acceptAuthenticSubmissions } from '@countersign/service-runtime';
import { comparable, describeRedelivery } from '@countersign/stack/redelivery';
import { auditHandlers } from './audit.handlers';
import { AuditModule } from './audit.module';

const recordOf = (event: StoredEvent) => (event.data as Envelope<AuditRecordV1>).data;
const isRecord = (event: StoredEvent) => event.stream === AUDIT_LOG_STREAM && event.type === EventTypes.AuditRecord;
const isReceipt = (event: StoredEvent) => event.stream === AUDIT_LOG_STREAM && event.type === EventTypes.AuditReceipt;

/**
 * The log chains events in the order audit receives them, so a record's position, links and the
 * signature over them follow the delivery order, and so does the position a receipt names. Two runs
 * must agree on which events were recorded and receipted, each once, and when; every run's chain
 * must hold on its own (checked below).
 */
function withoutChainPosition(event: StoredEvent) {
  const stored = comparable(event);
  if (isReceipt(event)) {
    const { sequence: _sequence, recordHash: _hash, ...receipt } = (event.data as Envelope<AuditReceiptV1>).data;
    return { ...stored, data: { ...(stored.data as object), signature: 'order-dependent', data: receipt } };
  }
  if (!isRecord(event)) return stored;
  const { sequence: _sequence, previousHash: _previous, hash: _hash, ...record } = recordOf(event);
  // A submission is chained from whichever audit hears first: itself, or the acceptance carrying it.
  const cause = record.event['type'] === EventTypes.RequestSubmitted ? { causationid: 'order-dependent' } : {};
  return { ...stored, data: { ...(stored.data as object), signature: 'order-dependent', ...cause, data: record } };
}

function chainHolds(events: StoredEvent[]): void {
  const records = events.filter(isRecord).map(recordOf);
  expect(verifyChain(records)).toMatchObject({ ok: true, count: records.length });
  const ids = records.map((record) => record.event['id']);
  expect(new Set(ids).size).toBe(ids.length);
}

// As in main.ts: one handler for every type, and authentic submissions recorded even when invalid.
const audit = {
  service: { service: 'audit' as const, module: AuditModule.register, verify: acceptAuthenticSubmissions, handlers: auditHandlers },
  normalize: withoutChainPosition,
  check: chainHolds,
};

describeRedelivery(audit, 'records every event once, in a chain that holds', (once) => {
  const recorded = once.raw.filter(isRecord).map((event) => recordOf(event).event['type']);
  expect(recorded).toEqual(expect.arrayContaining([EventTypes.RequestSubmitted, EventTypes.ExecutionSucceeded]));
  expect(recorded).toHaveLength(once.report.deliveries);
});
