import { EventTypes, type AuditReceiptV1, type AuditRecordV1, type Envelope, type RequestApprovedV1 } from '@countersign/contracts';
import type { ExaminedEntry } from './entries';

type RequestEntry = ExaminedEntry & { parsed: AuditRecordV1 };

/** The verified envelopes of a type, in chain order; an event that does not verify proves nothing. */
function verified<T>(entries: readonly RequestEntry[], type: string): Array<{ entry: RequestEntry; envelope: Envelope<T> }> {
  return entries.flatMap((entry) =>
    entry.event?.ok && entry.event.type === type ? [{ entry, envelope: entry.event.envelope as unknown as Envelope<T> }] : [],
  );
}

/**
 * The receipt must point at the record in this very log that holds the approval it names, so the
 * receipt and the chain cannot tell two stories. Whether a credential stood behind a fitting
 * receipt at all is audit's custody rule (checkCustody), which the verifier applies too.
 */
export function receiptPositionProblems(entries: readonly RequestEntry[]): string[] {
  const receipts = verified<AuditReceiptV1>(entries, EventTypes.AuditReceipt);
  return verified<RequestApprovedV1>(entries, EventTypes.RequestApproved).flatMap(({ entry, envelope: approved }) => {
    const receipt = receipts.find(({ envelope }) => envelope.data.approvedEventId === approved.id)?.envelope;
    if (!receipt) return [];
    const { sequence, hash } = entry.parsed;
    return sequence === receipt.data.sequence && hash === receipt.data.recordHash
      ? []
      : [`receipt ${receipt.id} points at record ${receipt.data.sequence}, but approval ${approved.id} is record ${sequence}`];
  });
}
