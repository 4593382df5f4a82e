import { EventTypes, type ApprovalRequestedV1, type VoteChannel } from '@countersign/contracts';
import { CardEventTypes, type CardEvent, type ObservedApprovalEvent } from './card.events';

export interface CardVote {
  voter: string;
  decision: 'approve' | 'deny';
  via: VoteChannel;
  reason?: string;
}

export interface CardOutcome {
  kind: 'approved' | 'denied' | 'expired';
  at: string;
  by: string[];
  reason?: string;
}

export interface CardState {
  requested?: ApprovalRequestedV1;
  approvals: number;
  votes: CardVote[];
  escalation?: { addedGroups: string[]; expiresAt: string };
  outcome?: CardOutcome;
  /** Approval event ids already folded in: a redelivery changes nothing. */
  observed: string[];
  /** Bumped by every observed change the card should show. */
  version: number;
  /** Where the card is in Slack, and the version it shows. */
  posted?: { channel: string; ts: string; version: number };
  /** Vote ids this edge relayed, with the Slack user who clicked (to answer them later). */
  relayed: Record<string, { teamId: string; userId: string }>;
}

export const initialCardState = (): CardState => ({ approvals: 0, votes: [], observed: [], version: 0, relayed: {} });

export const isResolved = (state: CardState): boolean => state.outcome !== undefined;

/** One click is one vote: Slack's action_ts with the user and team. */
export const clickKey = (click: { teamId: string; userId: string; actionTs: string }): string =>
  `slack:${click.teamId}:${click.userId}:${click.actionTs}`;

function observe(state: CardState, event: ObservedApprovalEvent): CardState {
  const next = { ...state, observed: [...state.observed, event.id], version: state.version + 1 };
  switch (event.type) {
    case EventTypes.ApprovalRequested:
      return { ...next, requested: event.data };
    case EventTypes.ApprovalEscalated:
      return { ...next, escalation: { addedGroups: event.data.addedGroups, expiresAt: event.data.expiresAt } };
    case EventTypes.VoteRecorded: {
      const { voter, decision, via, reason, approvals } = event.data;
      return { ...next, approvals, votes: [...state.votes, { voter, decision, via, ...(reason ? { reason } : {}) }] };
    }
    case EventTypes.VoteRejected:
      // Nothing on the card changes; the shell tells the Slack user who clicked.
      return { ...next, version: state.version };
    case EventTypes.RequestApproved: {
      const by = event.data.approvers.map((approver) => approver.id);
      return { ...next, outcome: { kind: 'approved', at: event.data.approvedAt, by } };
    }
    case EventTypes.RequestDenied: {
      const { deniedBy, deniedAt, reason } = event.data;
      return { ...next, outcome: { kind: 'denied', at: deniedAt, by: [deniedBy], ...(reason ? { reason } : {}) } };
    }
    case EventTypes.RequestExpired:
      return { ...next, outcome: { kind: 'expired', at: event.data.expiredAt, by: [] } };
  }
}

export function evolveCard(state: CardState, event: CardEvent): CardState {
  switch (event.type) {
    case CardEventTypes.ApprovalObserved:
      return observe(state, event.data.event);
    case CardEventTypes.CardPosted:
      return { ...state, posted: { channel: event.data.channel, ts: event.data.ts, version: event.data.version } };
    case CardEventTypes.CardUpdated:
      return state.posted ? { ...state, posted: { ...state.posted, version: event.data.version } } : state;
    case CardEventTypes.ClickRefused:
      return state;
    case EventTypes.VoteRelayed: {
      const { teamId, userId } = event.data.slack;
      return { ...state, relayed: { ...state.relayed, [event.id]: { teamId, userId } } };
    }
  }
}

/** What the shell must do in Slack to make the card show the state: post it, update it, or nothing. */
export function cardWork(state: CardState): 'post' | 'update' | undefined {
  if (!state.requested) return undefined;
  if (!state.posted) return 'post';
  return state.posted.version < state.version ? 'update' : undefined;
}
