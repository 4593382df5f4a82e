import { custodyReceiptProblem } from '@countersign/contracts';
import type { CustodyChain, CustodyViolation } from './custody.collect';

/**
 * Audit is a gate: the credential must stand behind audit's own receipt for the approval it names,
 * signed no later than the credential, by the rule the CLI's offline verifier applies too.
 */
export function receiptViolations({ approved, receipt, issued }: CustodyChain): CustodyViolation[] {
  const problem = custodyReceiptProblem(receipt, approved, issued);
  return problem ? [{ code: 'audit_receipt_invalid', message: problem.slice(0, 500) }] : [];
}
