import { auditGate, deterministicId, type AuditReceiptV1, type Envelope, type RequestApprovedV1 } from '@countersign/contracts';
import type { Decider } from '@countersign/decider';
import type { CredentialEvent, CredentialRefused, DomainEvent } from './credential.events';

/**
 * Audit is a gate, not only a witness: no credential before audit has chained the approval and said
 * so in a signed receipt. Receipts arrive on their own consumer, in any order with the approval, so
 * the broker keeps a receipt for a request in a stream of its own unless the approval it names was
 * answered with it at once (apps/broker: `onReceipt`).
 */
export const receiptStream = (requestId: string): string => `audit-receipts-${requestId}`;

/** Local only: audit published the original. */
export const ReceiptRecordedType = 'local.audit-receipt.recorded';
export type ReceiptRecorded = DomainEvent<typeof ReceiptRecordedType, { receipt: Envelope<AuditReceiptV1> }>;

/** An audit receipt the shell verified against its trust store (audit's key, audit's type). */
export interface RecordReceipt {
  type: 'RecordReceipt';
  receipt: Envelope<AuditReceiptV1>;
}

export interface ReceiptState {
  receipts: readonly Envelope<AuditReceiptV1>[];
}

export function decideReceipt({ receipt }: RecordReceipt, state: ReceiptState): ReceiptRecorded[] {
  if (state.receipts.some((held) => held.id === receipt.id)) return [];
  return [{ type: ReceiptRecordedType, id: deterministicId(receipt.id, 'broker.receipt.recorded'), data: { receipt } }];
}

export const evolveReceipt = (state: ReceiptState, { data }: ReceiptRecorded): ReceiptState => ({
  receipts: [...state.receipts, data.receipt],
});

export const receiptDecider: Decider<RecordReceipt, ReceiptRecorded, ReceiptState> = {
  decide: decideReceipt,
  evolve: evolveReceipt,
  initialState: () => ({ receipts: [] }),
};

/**
 * What the credential decider does about the gate before issuing: nothing to add when a receipt
 * opens it; no event at all while none names the approval (the request waits, nothing is lost);
 * a final refusal when a receipt names this approval but does not fit it.
 */
export function gateBeforeIssuing(
  receipts: readonly Envelope<AuditReceiptV1>[],
  approval: Envelope<RequestApprovedV1>,
  refuse: (message: string) => CredentialRefused,
): CredentialEvent[] | null {
  const gate = auditGate(receipts, approval);
  if (gate.status === 'open') return null;
  return gate.status === 'waiting' ? [] : [refuse(gate.message)];
}
