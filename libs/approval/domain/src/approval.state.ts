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
  decision: 'approve' | 'deny';
  reason?: string;
  at: string;
}

export type Resolution = 'approved' | 'denied' | 'expired';

/** Votes already answered (recorded or rejected), so a redelivered vote changes nothing. */
interface Handled {
  handledVotes: readonly string[];
}

export type UnknownApproval = Handled & { status: 'unknown' };
export type PendingApproval = Handled & { status: 'pending'; request: ApprovalOpenedData; votes: readonly RecordedVote[] };
export type ResolvedApproval = Handled & { status: Resolution; request: ApprovalOpenedData; votes: readonly RecordedVote[] };
export type ApprovalState = UnknownApproval | PendingApproval | ResolvedApproval;

export function initialState(): ApprovalState {
  return { status: 'unknown', handledVotes: [] };
}

export function evolve(state: ApprovalState, event: ApprovalEvent): ApprovalState {
  switch (event.type) {
    case 'approval.opened':
      return { status: 'pending', handledVotes: state.handledVotes, request: event.data, votes: [] };
    case 'countersign.approval.requested.v1':
      return state;
    case 'countersign.vote.rejected.v1':
      return { ...state, handledVotes: [...state.handledVotes, event.data.voteId] };
    case 'countersign.vote.recorded.v1':
      return recordVote(state, event.data, event.time);
    case 'countersign.request.approved.v1':
      return resolve(state, 'approved');
    case 'countersign.request.denied.v1':
      return resolve(state, 'denied');
    case 'countersign.request.expired.v1':
      return resolve(state, 'expired');
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

type VoteData = { voteId: string; voter: string; decision: 'approve' | 'deny'; reason?: string | undefined };

function recordVote(state: ApprovalState, data: VoteData, at: string): ApprovalState {
  const handledVotes = [...state.handledVotes, data.voteId];
  if (state.status === 'unknown') return { ...state, handledVotes };
  const { voteId, voter, decision, reason } = data;
  const vote: RecordedVote = {
    voteId,
    voter,
    person: personOf(state.request, voter),
    decision,
    ...(reason === undefined ? {} : { reason }),
    at,
  };
  return { ...state, handledVotes, votes: [...state.votes, vote] };
}

function resolve(state: ApprovalState, status: Resolution): ApprovalState {
  return state.status === 'unknown' ? state : { ...state, status };
}
