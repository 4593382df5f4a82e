import {
  EventTypes,
  custodyReceiptProblem,
  type AuditReceiptV1,
  type AuditRecordV1,
  type CredentialIssuedV1,
  type Envelope,
  type RequestApprovedV1,
} from '@countersign/contracts';
import type { ExaminedEntry } from './entries';

type RequestEntry = ExaminedEntry & { parsed: AuditRecordV1 };

/** The verified envelopes of a type, in chain order; an event that does not verify proves nothing. */
function verified<T>(entries: readonly RequestEntry[], type: string): Array<{ entry: RequestEntry; envelope: Envelope<T> }> {
  return entries.flatMap((entry) =>
    entry.event?.ok && entry.event.type === type ? [{ entry, envelope: entry.event.envelope as unknown as Envelope<T> }] : [],
  );
}

/**
 * Audit is a gate: a credential in the log must stand behind audit's receipt for the approval it
 * names (the rule audit's own custody check applies), and the receipt must point at the record in
 * this very log that holds that approval, so the receipt and the chain cannot tell two stories.
 */
export function receiptProblems(entries: readonly RequestEntry[]): string[] {
  const issued = verified<CredentialIssuedV1>(entries, EventTypes.CredentialIssued)[0]?.envelope;
  if (!issued) return [];
  const approved = verified<RequestApprovedV1>(entries, EventTypes.RequestApproved).find(
    ({ envelope }) => envelope.id === issued.data.approvalEventId,
  );
  if (!approved) return [];
  const receipt = verified<AuditReceiptV1>(entries, EventTypes.AuditReceipt).find(
    ({ envelope }) => envelope.data.approvedEventId === approved.envelope.id,
  )?.envelope;
  if (!receipt) return [`credential ${issued.id} was issued, but audit's receipt for approval ${approved.envelope.id} is not in the log`];
  const problem = custodyReceiptProblem(receipt, approved.envelope, issued);
  if (problem) return [problem];
  const { sequence, hash } = approved.entry.parsed;
  return sequence === receipt.data.sequence && hash === receipt.data.recordHash
    ? []
    : [`receipt ${receipt.id} points at record ${receipt.data.sequence}, but approval ${approved.envelope.id} is record ${sequence}`];
}
