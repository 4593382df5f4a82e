import type { Envelope, VoteChannel } from '@countersign/contracts';
import type { ApprovalEvent, ApprovalOpenedData } from './approval.events';

/** One stream per request id in approval's store. */
export function streamFor(requestId: string): string {
  return `request-${requestId}`;
}

export interface RecordedVote {
  voteId: string;
  voter: string;
  /** The human behind the voter; quorum counts people, not identities. */
  person: string;
  /** Signed by the approver's own key, or relayed by a channel. */
  via: VoteChannel;
  decision: 'approve' | 'deny';
  reason?: string;
  at: string;
  /** The signed vote envelope, when the shell handed it in: evidence for the approval. */
  evidence?: Envelope;
}

export type Resolution = 'approved' | 'denied' | 'expired';

/** The after-the-fact review a break-glass approval owes; it never expires, it is closed by a reviewer. */
export interface ReviewState {
  status: 'open' | 'closed';
  /** Who approved the emergency; none of them may review it. */
  approvers: readonly string[];
  dueAt: string;
  escalatesAt: string | undefined;
  escalated: boolean;
  overdue: boolean;
}

/** Votes already answered (recorded, rejected, or closing a review), so a redelivered vote changes nothing. */
interface Handled {
  handledVotes: readonly string[];
}

interface Opened extends Handled {
  request: ApprovalOpenedData;
  votes: readonly RecordedVote[];
  /** The escalation groups may vote too. */
  escalated: boolean;
}

export type UnknownApproval = Handled & { status: 'unknown' };
export type PendingApproval = Opened & { status: 'pending' };
export type ResolvedApproval = Opened & { status: Resolution; review?: ReviewState };
export type ApprovalState = UnknownApproval | PendingApproval | ResolvedApproval;

export function initialState(): ApprovalState {
  return { status: 'unknown', handledVotes: [] };
}

export function evolve(state: ApprovalState, event: ApprovalEvent): ApprovalState {
  switch (event.type) {
    case 'approval.opened':
      return { status: 'pending', handledVotes: state.handledVotes, request: event.data, votes: [], escalated: false };
    case 'countersign.approval.requested.v1':
      return state;
    case 'countersign.approval.escalated.v1':
      return state.status === 'unknown' ? state : { ...state, escalated: true };
    case 'countersign.vote.rejected.v1':
      return { ...state, handledVotes: [...state.handledVotes, event.data.voteId] };
    case 'countersign.vote.recorded.v1':
      return recordVote(state, event.data, event.time);
    case 'approval.vote.kept':
      return keepEvidence(state, event.data.voteId, event.data.envelope);
    case 'countersign.request.approved.v1':
      return resolve(state, 'approved');
    case 'countersign.request.denied.v1':
      return resolve(state, 'denied');
    case 'countersign.request.expired.v1':
      return resolve(state, 'expired');
    case 'countersign.review.required.v1': {
      const { approvers, dueAt, escalatesAt } = event.data;
      return withReview(state, () => ({ status: 'open', approvers, dueAt, escalatesAt, escalated: false, overdue: false }));
    }
    case 'countersign.review.escalated.v1':
      return withReview(state, (review) => review && { ...review, escalated: true });
    case 'countersign.review.overdue.v1':
      return withReview(state, (review) => review && { ...review, overdue: true });
    case 'countersign.review.completed.v1': {
      const closed = withReview(state, (review) => review && { ...review, status: 'closed' });
      return { ...closed, handledVotes: [...closed.handledVotes, event.data.voteId] };
    }
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
}

/** The person an identity stands for in this approval. */
export function personOf(request: Pick<ApprovalOpenedData, 'personOf'>, identity: string): string {
  return request.personOf[identity] ?? nameOf(identity);
}

/** `approver:alice` -> `alice`. */
export function nameOf(identity: string): string {
  return identity.slice(identity.indexOf(':') + 1);
}

type VoteData = { voteId: string; voter: string; via: VoteChannel; decision: 'approve' | 'deny'; reason?: string | undefined };

function recordVote(state: ApprovalState, data: VoteData, at: string): ApprovalState {
  const handledVotes = [...state.handledVotes, data.voteId];
  if (state.status === 'unknown') return { ...state, handledVotes };
  const { voteId, voter, via, decision, reason } = data;
  const vote: RecordedVote = {
    voteId,
    voter,
    person: personOf(state.request, voter),
    via,
    decision,
    ...(reason === undefined ? {} : { reason }),
    at,
  };
  return { ...state, handledVotes, votes: [...state.votes, vote] };
}

function keepEvidence(state: ApprovalState, voteId: string, evidence: Envelope): ApprovalState {
  if (state.status === 'unknown') return state;
  return { ...state, votes: state.votes.map((vote) => (vote.voteId === voteId ? { ...vote, evidence } : vote)) };
}

function resolve(state: ApprovalState, status: Resolution): ApprovalState {
  return state.status === 'unknown' ? state : { ...state, status };
}

function withReview(state: ApprovalState, change: (review: ReviewState | undefined) => ReviewState | undefined): ApprovalState {
  if (state.status === 'unknown' || state.status === 'pending') return state;
  const review = change(state.review);
  return review ? { ...state, review } : state;
}
