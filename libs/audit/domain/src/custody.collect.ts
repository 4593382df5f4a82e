import {
  EventTypes,
  type AuditReceiptV1,
  type CredentialIssuedV1,
  type Envelope,
  type ExecutionFailedV1,
  type ExecutionStartedV1,
  type ExecutionSucceededV1,
  type RequestAcceptedV1,
  type RequestApprovedV1,
  type RequestSubmittedV1,
  type VoteEvidence,
} from '@countersign/contracts';

export const CUSTODY_VIOLATION_CODES = [
  'missing_event',
  'missing_vote',
  'duplicate_event',
  'broken_link',
  'requester_mismatch',
  'approver_mismatch',
  'identities_not_distinct',
  'out_of_order',
  'digest_mismatch',
  /** A credential was issued without audit's receipt for the approval before it, or the receipt does not fit the approval. */
  'audit_receipt_invalid',
  /** The approval's tier required step-up, yet an approval was relayed by a channel (a Slack click) rather than signed. */
  'step_up_missing',
  /** The approval's evidence does not hold: the broker or executor refused it on re-check, or it lacks its approvers' signed votes. */
  'approval_unproven',
  /** The accepted request's `agent` is not the run the requester's signed submission carried (issue 19). */
  'agent_mismatch',
] as const;
export type CustodyViolationCode = (typeof CUSTODY_VIOLATION_CODES)[number];
export interface CustodyViolation {
  code: CustodyViolationCode;
  message: string;
}

/** One request's chain, each link present exactly once. Data types are trusted: the trust store validated them. */
export interface CustodyChain {
  submitted: Envelope<RequestSubmittedV1>;
  accepted: Envelope<RequestAcceptedV1>;
  approved: Envelope<RequestApprovedV1>;
  /** Audit's receipt that it chained the approval: the gate before the credential. */
  receipt: Envelope<AuditReceiptV1>;
  issued: Envelope<CredentialIssuedV1>;
  started: Envelope<ExecutionStartedV1>;
  finished: Envelope<ExecutionSucceededV1 | ExecutionFailedV1>;
  /** The votes the approval counts: signed by approvers, or relayed for them by a channel (the Slack edge). */
  votes: readonly Vote[];
}

/** A recorded vote: the envelope, typed so the shared vote-proof rule can read it. */
export type Vote = Envelope & VoteEvidence;

type Link = Exclude<keyof CustodyChain, 'votes'>;

const LINK_TYPES: Record<Link, readonly string[]> = {
  submitted: [EventTypes.RequestSubmitted],
  accepted: [EventTypes.RequestAccepted],
  approved: [EventTypes.RequestApproved],
  receipt: [EventTypes.AuditReceipt],
  issued: [EventTypes.CredentialIssued],
  started: [EventTypes.ExecutionStarted],
  finished: [EventTypes.ExecutionSucceeded, EventTypes.ExecutionFailed],
};

/**
 * Picks each link out of a request's events. The same envelope delivered twice counts once; two
 * different ones of a kind (two approvals, two started executions) are a violation in themselves.
 */
export function collectChain(events: readonly Envelope[]): { chain: CustodyChain } | { violations: CustodyViolation[] } {
  const unique = [...new Map(events.map((event) => [event.id, event])).values()];
  const violations: CustodyViolation[] = [];
  const picked: Partial<Record<Link, Envelope>> = {};
  for (const link of Object.keys(LINK_TYPES) as Link[]) {
    const found = unique.filter((event) => LINK_TYPES[link].includes(event.type));
    if (found.length === 0) violations.push({ code: 'missing_event', message: `no ${link} event was recorded` });
    if (found.length > 1)
      violations.push({ code: 'duplicate_event', message: `${found.length} ${link} events: ${found.map((e) => e.id).join(', ')}` });
    picked[link] = found[0];
  }
  if (violations.length > 0) return { violations };
  const chain = picked as Record<Link, Envelope>;
  // Only the votes the approval counts are links of the chain. A vote approval refused (another
  // digest, a late or repeated click) did not approve anything: it is a finding, not a broken chain.
  const counted = new Set((chain.approved as Envelope<RequestApprovedV1>).data.approvers.map((approver) => approver.voteId));
  const voteTypes: readonly string[] = [EventTypes.VoteCast, EventTypes.VoteRelayed];
  const votes = unique.filter((event) => voteTypes.includes(event.type) && counted.has(event.id)) as Vote[];
  return { chain: { ...chain, votes } as CustodyChain };
}
