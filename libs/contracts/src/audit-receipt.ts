import { canonicalJson, sha256Hex } from './canonical';
import type { Envelope } from './envelope';
import type { RequestApprovedV1 } from './events/approval';
import type { AuditReceiptV1 } from './events/audit';
import { EventTypes } from './event-types';
import { serviceId } from './identity-id';

/** A receipt as a verifier sees it: an envelope the trust store already verified, of any type. */
export type ReceiptEvidence = Pick<Envelope<AuditReceiptV1>, 'id' | 'type' | 'signer' | 'data'>;
type Approved = Envelope<RequestApprovedV1>;

/**
 * What a receipt covers: the approved envelope exactly as audit chained it, signature and any
 * evidence it carries included. Audit computes it when it chains the approval; the broker and the
 * executor recompute it from the copy they hold, so a receipt for other bytes does not fit.
 */
export const approvalEvidenceHash = (approved: Envelope): string => sha256Hex(canonicalJson(approved));

/**
 * Why a receipt does not prove that audit recorded this approval, or undefined. One rule for the
 * broker (before it issues) and the executor (before it executes), so they cannot disagree: audit
 * signed it (the trust store proved the signature; this proves it is audit's type and identity), and
 * it names this request, this approved event, this digest and these exact bytes.
 */
export function auditReceiptProblem(receipt: ReceiptEvidence, approved: Approved): string | undefined {
  if (receipt.type !== EventTypes.AuditReceipt || receipt.signer !== serviceId('audit'))
    return `receipt ${receipt.id} is a ${receipt.type} signed by ${receipt.signer}, not an audit receipt signed by ${serviceId('audit')}`;
  const { data } = receipt;
  if (data.requestId !== approved.data.requestId) return `receipt ${receipt.id} names request ${data.requestId}`;
  if (data.approvedEventId !== approved.id) return `receipt ${receipt.id} names approval ${data.approvedEventId}, not ${approved.id}`;
  if (data.digest !== approved.data.digest) return `receipt ${receipt.id} names another digest than approval ${approved.id}`;
  if (data.evidenceHash !== approvalEvidenceHash(approved))
    return `receipt ${receipt.id} covers other bytes than approval ${approved.id}: audit recorded something else`;
  return undefined;
}

/** Open: a receipt proves the approval was recorded. Waiting: none names it yet. Refused: final. */
export type AuditGate =
  { status: 'open'; receiptId: string } | { status: 'waiting'; message: string } | { status: 'refused'; message: string };

/**
 * The gate before a credential and before an execution, from every receipt held for the request.
 * A receipt for another approval of the request says nothing about this one: keep waiting (audit
 * may still be down). A receipt that names this approval but does not fit it means audit recorded
 * something other than what we hold: fail closed, for good, even if a fitting one is held too.
 */
export function auditGate(receipts: readonly ReceiptEvidence[], approved: Approved): AuditGate {
  const naming = receipts.filter((receipt) => receipt.data.approvedEventId === approved.id);
  const problems = naming.map((receipt) => auditReceiptProblem(receipt, approved)).filter((problem) => problem !== undefined);
  if (problems.length > 0) return { status: 'refused', message: problems[0]! };
  const fitting = naming[0];
  if (fitting) return { status: 'open', receiptId: fitting.id };
  return { status: 'waiting', message: `audit has not yet confirmed that it recorded approval ${approved.id}` };
}

/**
 * The custody rule audit's own check and `countersign audit verify` share: a credential counts only
 * behind a receipt that fits its approval and that audit signed no later than the credential.
 */
export function custodyReceiptProblem(
  receipt: ReceiptEvidence & Pick<Envelope, 'time'>,
  approved: Approved,
  issued: Pick<Envelope, 'id' | 'time'>,
): string | undefined {
  const problem = auditReceiptProblem(receipt, approved);
  if (problem) return problem;
  return Date.parse(issued.time) < Date.parse(receipt.time)
    ? `credential ${issued.id} was issued at ${issued.time}, before audit's receipt ${receipt.id} at ${receipt.time}`
    : undefined;
}
