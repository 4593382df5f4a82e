import {
  EventTypes,
  approvalEvidenceHash,
  deterministicId,
  type AuditReceiptV1,
  type AuditRecordV1,
  type Envelope,
  type RequestApprovedV1,
} from '@countersign/contracts';
import type { DomainEvent } from './domain-event';

export type AuditReceiptIssued = DomainEvent<typeof EventTypes.AuditReceipt, AuditReceiptV1>;

/**
 * The receipt the broker and the executor wait for: emitted with the record of a `request.approved`
 * in the same append, so a receipt exists exactly when the approval is in the chain. It names the
 * record (sequence, hash) and covers the approved envelope's exact bytes, evidence included.
 */
export function receiptsFor(envelope: Envelope, record: AuditRecordV1): AuditReceiptIssued[] {
  if (envelope.type !== EventTypes.RequestApproved) return [];
  const approved = envelope as Envelope<RequestApprovedV1>;
  const { requestId, digest } = approved.data;
  return [
    {
      type: EventTypes.AuditReceipt,
      id: deterministicId(approved.id, 'audit.receipt'),
      data: {
        requestId,
        approvedEventId: approved.id,
        digest,
        evidenceHash: approvalEvidenceHash(approved),
        sequence: record.sequence,
        recordHash: record.hash,
        recordedAt: record.recordedAt,
      },
    },
  ];
}
