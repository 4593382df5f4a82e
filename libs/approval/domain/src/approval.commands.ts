import type { RequestAcceptedV1, VoteCastV1 } from '@countersign/contracts';
import type { PolicyDecision } from '@countersign/policy';

/** Who the people are, from the identity registry, fixed when the approval opens. */
export interface PeopleFacts {
  /** The person accountable for the requesting workload (registry `owner`); they may not approve it. */
  requesterOwner: string | undefined;
  /** Approver identity id -> person. Two identities of one person count once; unlisted ids are their own person. */
  personOf: Readonly<Record<string, string>>;
}

/**
 * Open the approval of a request intake accepted. The shell evaluates the policy (tiers and Cedar;
 * Cedar runs in WebAssembly, never in here) and passes the decision in, so replaying this stream
 * never depends on whichever policy is loaded today.
 */
export interface OpenApproval {
  type: 'OpenApproval';
  accepted: RequestAcceptedV1;
  /** Id of intake's RequestAccepted envelope; the approval refers to it. */
  acceptedEventId: string;
  policyDecision: PolicyDecision;
  people: PeopleFacts;
  now: string;
}

/** A verified vote envelope: on the request, or (`vote.review`) on its break-glass review. */
export interface CastVote {
  type: 'CastVote';
  /** The vote envelope's id; a redelivery carries the same one. */
  voteId: string;
  /** The verified signer, e.g. `approver:alice`. */
  voter: string;
  vote: VoteCastV1;
  now: string;
}

/**
 * Sent by the shell's timer at `nextDeadline(state)`: escalates or expires a pending approval, and
 * escalates or marks overdue an open break-glass review. Harmless when early, late or repeated.
 */
export interface CheckDeadlines {
  type: 'CheckDeadlines';
  requestId: string;
  now: string;
}

export type ApprovalCommand = OpenApproval | CastVote | CheckDeadlines;
