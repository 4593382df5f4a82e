import { EventTypes } from '@countersign/contracts';
import { decideReceipt, receiptDecider, ReceiptRecordedType } from '@countersign/broker-domain';
import { comparable, describeRedelivery, type RecordedMessage } from '@countersign/stack/redelivery';
import type { StoredEvent } from '@countersign/event-store';
import { BrokerModule } from './broker.module';

/**
 * A credential's id and its sealed secret are random by design (a fresh token each time the
 * broker mints), and so are the signatures over them: two runs agree on everything else.
 */
function withoutMintedSecrets(event: StoredEvent) {
  // An approval that overtook its accepted request (or audit's receipt) is parked until it arrives,
  // and a receipt is kept only when its approval could not be answered with it at once: those
  // records are the arrival order itself, so they exist in some runs only. What they lead to (one
  // credential, then its revocation) is compared like everything else.
  if (event.type === 'local.approval.parked' || event.type === ReceiptRecordedType) return undefined;
  const stored = comparable(event);
  const envelope = stored.data as { data?: Record<string, unknown>; signature?: string };
  if (typeof envelope.data?.credentialId !== 'string') return stored;
  const data = { ...envelope.data, credentialId: 'random', ...('sealed' in envelope.data ? { sealed: 'random' } : {}) };
  return { ...stored, data: { ...envelope, signature: 'random', data } };
}

/**
 * Within one run, everything names the one credential that was issued, and each receipt kept (left
 * out of the comparison) is exactly the record of a delivered receipt, none twice.
 */
function oneCredential(events: StoredEvent[], inbound: readonly RecordedMessage[]): void {
  const expected = new Map<string, unknown>();
  for (const { envelope } of inbound)
    if (envelope.type === EventTypes.AuditReceipt)
      for (const event of decideReceipt({ type: 'RecordReceipt', receipt: envelope as never }, receiptDecider.initialState()))
        expected.set(event.id, event.data);
  const kept = events.filter((event) => event.type === ReceiptRecordedType);
  for (const event of kept) expect(event.data).toEqual(expected.get(event.id));
  expect(new Set(kept.map((event) => event.id)).size).toBe(kept.length);

  const ids = events.flatMap((event) => {
    const id = (event.data as { data?: { credentialId?: unknown } }).data?.credentialId;
    return typeof id === 'string' ? [id] : [];
  });
  expect(new Set(ids).size).toBe(1);
}

const broker = {
  service: { service: 'broker' as const, module: BrokerModule.register },
  normalize: withoutMintedSecrets,
  check: oneCredential,
};

describeRedelivery(broker, 'issues one credential and revokes it, as one in-order delivery does', (once) => {
  const types = once.raw.map((event) => event.type);
  expect(types.filter((type) => type === EventTypes.CredentialIssued)).toHaveLength(1);
  expect(types.filter((type) => type === EventTypes.CredentialRevoked)).toHaveLength(1);
});
