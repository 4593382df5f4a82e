import type { ApprovalFacts } from '@countersign/approval-evidence';
import type { Envelope, RequestAcceptedV1, RequestApprovedV1 } from '@countersign/contracts';
import type { TrustStore } from '@countersign/identity';

/** Approvals whose facts are kept: far more than are parked waiting for audit at once under load. */
export const RECHECK_MEMO_SIZE = 512;

interface Kept {
  approvalSignature: string;
  acceptedSignature: string;
  trust: TrustStore;
  facts: ApprovalFacts;
}

/**
 * The facts an approval was last re-checked with, for its retry. Most approvals reach the broker
 * before audit's receipt for them, so each is re-checked, parked, and decided again when the receipt
 * arrives; without this the retry would ask Cedar and verify the submission a second time.
 *
 * The facts are a function of the two signed envelopes, the pinned policy, the registry (both fixed
 * for the process) and the trust store in force, not of the clock. A hit therefore needs the same two
 * envelopes (by id and signature: the signature binds the signed bytes) and the very same trust
 * store object: a trust reload (a key retired or revoked) makes a new one, so nothing checked under
 * the old keys is reused. Bounded: the oldest entry goes first; a miss only costs the work again.
 */
export class RecheckMemo {
  private readonly kept = new Map<string, Kept>();

  constructor(private readonly size = RECHECK_MEMO_SIZE) {}

  factsFor(
    accepted: Envelope<RequestAcceptedV1>,
    approval: Envelope<RequestApprovedV1>,
    trust: TrustStore,
    compute: () => ApprovalFacts,
  ): ApprovalFacts {
    const kept = this.kept.get(approval.id);
    if (kept && kept.trust === trust && kept.approvalSignature === approval.signature && kept.acceptedSignature === accepted.signature) {
      return kept.facts;
    }
    const facts = compute();
    this.kept.delete(approval.id);
    this.kept.set(approval.id, { approvalSignature: approval.signature, acceptedSignature: accepted.signature, trust, facts });
    if (this.kept.size > this.size) this.kept.delete(this.kept.keys().next().value!);
    return facts;
  }

  /** Once the approval is answered for good (issued or refused) its facts are not needed again. */
  forget(approvalId: string): void {
    this.kept.delete(approvalId);
  }
}
