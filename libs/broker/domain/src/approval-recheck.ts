import { recheckApproval, type ApprovalFacts } from '@countersign/approval-evidence';
import type { Envelope, RequestApprovedV1 } from '@countersign/contracts';
import type { CredentialState } from './credential.state';
import { issuanceTerms, type IssuanceTerms } from './issuance-terms';

/**
 * The issuance terms, once the approval also re-checks against the pinned policy and its own signed
 * votes (the shared rule in @countersign/approval-evidence, which the executor applies too). A
 * window that has not opened yet is only a reason to wait, so the re-check still decides first:
 * an approval that can never issue is refused now, not retried.
 */
export function credentialTerms(
  state: CredentialState,
  approval: Envelope<RequestApprovedV1>,
  facts: ApprovalFacts,
  now: string,
): IssuanceTerms {
  const terms = issuanceTerms(state, approval, now);
  if ((!terms.ok && terms.retryAt === undefined) || state.accepted === null) return terms;
  const recheck = recheckApproval(state.accepted.data, approval.data, facts);
  return recheck.ok ? terms : { ok: false, code: recheck.code, message: recheck.message };
}
