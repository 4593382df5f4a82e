import type { Envelope, RequestAcceptedV1, VoteCastV1, VoteChannel } from '@countersign/contracts';
import type { PeopleFacts, PolicyDecision } from '@countersign/policy';

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

/**
 * A verified vote envelope: on the request, or (`vote.review`) on its break-glass review. It came
 * signed by the approver's own key (`signed`, a `vote.cast`), or relayed by a channel (`slack`, a
 * `vote.relayed` signed by `channel:slack`) for the approver the shell mapped the channel user to.
 */
export interface CastVote {
  type: 'CastVote';
  /** The vote envelope's id; a redelivery carries the same one. */
  voteId: string;
  /**
   * Who votes, e.g. `approver:alice`: the verified signer of a signed vote; for a relayed vote, the
   * approver the registry maps the channel user to. When `unmapped`, the channel (`channel:slack`).
   */
  voter: string;
  via: VoteChannel;
  /**
   * Relayed votes only: why the channel user counts for nobody (the registry maps them to no
   * approver, or to another one than the channel claimed). The vote is rejected `unmapped_voter`.
   */
  unmapped?: string;
  /** What was voted; for a relayed vote, the channel's payload without its routing fields. */
  vote: VoteCastV1;
  /**
   * The verified envelope itself. An approving vote keeps it, and the approval it completes carries
   * it as evidence the broker and the executor verify; an approval without it does not issue.
   */
  evidence?: Envelope;
  now: string;
}

/**
 * Sent by the shell's timer at the time `deadlineAfter` gave for the request's latest event: escalates
 * or expires a pending approval, and escalates or marks overdue an open break-glass review. Harmless
 * when early, late or repeated.
 */
export interface CheckDeadlines {
  type: 'CheckDeadlines';
  requestId: string;
  now: string;
}

export type ApprovalCommand = OpenApproval | CastVote | CheckDeadlines;
