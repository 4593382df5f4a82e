import { auditGate } from '@countersign/contracts';
import { checkChain, type ChainCheck } from './chain-check';
import { refuse, type ChainCheckInput } from './chain.types';
import { readyToExecute, type EvidenceState } from './evidence';

/**
 * Audit is a gate, not only a witness: the executor runs nothing that audit has not recorded.
 * `wait` while no receipt names the approval (audit may be down; the receipt arrives on its own
 * consumer, before or after the other links): claiming now would turn a wait into a final refusal.
 */
export function executionGate(evidence: EvidenceState): 'go' | 'wait' {
  if (!readyToExecute(evidence) || evidence.approved === null) return 'wait';
  return auditGate(evidence.receipts, evidence.approved).status === 'waiting' ? 'wait' : 'go';
}

/**
 * `checkChain` behind the gate, with the broker's very rule (`auditGate` in contracts): a receipt
 * that names this approval but does not fit it (another digest, other bytes, not audit's) refuses.
 */
export function checkAuditedChain(evidence: EvidenceState, input: ChainCheckInput): ChainCheck {
  if (evidence.approved === null) return checkChain(evidence, input);
  const gate = auditGate(evidence.receipts, evidence.approved);
  if (gate.status === 'refused') return refuse('audit_receipt_invalid', gate.message);
  if (gate.status === 'waiting') return refuse('chain_incomplete', gate.message);
  return checkChain(evidence, input);
}
