import { recheckApproval } from '@countersign/approval-evidence';
import { refuse, type Chain, type ChainCheckInput, type Refusal } from './chain.types';

/**
 * The executor's own re-check of the approval against the pinned policy and the approvers' signed
 * votes: the same rule the broker applies (@countersign/approval-evidence), run again here so a
 * compromised approval service and broker together still cannot make anything execute.
 */
export function recheckedApproval({ accepted, approved }: Chain, { approvalFacts }: ChainCheckInput): Refusal | null {
  const recheck = recheckApproval(accepted.data, approved.data, approvalFacts);
  return recheck.ok ? null : refuse(recheck.code, recheck.message);
}
