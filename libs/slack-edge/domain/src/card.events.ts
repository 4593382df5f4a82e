import type {
  ApprovalEscalatedV1,
  ApprovalRequestedV1,
  EventTypes,
  RequestApprovedV1,
  RequestDeniedV1,
  RequestExpiredV1,
  VoteRecordedV1,
  VoteRejectedV1,
  VoteRelayedV1,
} from '@countersign/contracts';
import type { DecidedEvent as DomainEvent } from '@countersign/decider';

/** One stream per request in the edge's own store: what approval said, the Slack card, the clicks. */
export const cardStream = (requestId: string): string => `card-${requestId}`;

export type { DomainEvent };

/** Approval's events the card follows; everything else approval publishes is not the card's business. */
export type ObservedApprovalEvent =
  | { id: string; type: typeof EventTypes.ApprovalRequested; data: ApprovalRequestedV1 }
  | { id: string; type: typeof EventTypes.ApprovalEscalated; data: ApprovalEscalatedV1 }
  | { id: string; type: typeof EventTypes.VoteRecorded; data: VoteRecordedV1 }
  | { id: string; type: typeof EventTypes.VoteRejected; data: VoteRejectedV1 }
  | { id: string; type: typeof EventTypes.RequestApproved; data: RequestApprovedV1 }
  | { id: string; type: typeof EventTypes.RequestDenied; data: RequestDeniedV1 }
  | { id: string; type: typeof EventTypes.RequestExpired; data: RequestExpiredV1 };

export const CardEventTypes = {
  ApprovalObserved: 'local.slack.approval.observed',
  CardPosted: 'local.slack.card.posted',
  CardUpdated: 'local.slack.card.updated',
  ClickRefused: 'local.slack.click.refused',
} as const;

/** Why the edge did not relay a click. Approval repeats every check; these only answer Slack early. */
export const CLICK_REFUSAL_CODES = [
  'unknown_request',
  'digest_mismatch',
  'already_resolved',
  'unmapped_user',
  'step_up_required',
  'rendering_mismatch',
  'rendering_too_long',
  'replayed',
] as const;
export type ClickRefusalCode = (typeof CLICK_REFUSAL_CODES)[number];

export interface ClickFacts {
  teamId: string;
  userId: string;
  actionTs: string;
  decision: 'approve' | 'deny';
}

export type ApprovalObserved = DomainEvent<typeof CardEventTypes.ApprovalObserved, { event: ObservedApprovalEvent }>;
export type CardPosted = DomainEvent<typeof CardEventTypes.CardPosted, { channel: string; ts: string; version: number }>;
export type CardUpdated = DomainEvent<typeof CardEventTypes.CardUpdated, { version: number }>;
export type ClickRefused = DomainEvent<
  typeof CardEventTypes.ClickRefused,
  { requestId: string; code: ClickRefusalCode; message: string; click: ClickFacts }
>;
export type VoteRelayed = DomainEvent<typeof EventTypes.VoteRelayed, VoteRelayedV1>;

export type CardEvent = ApprovalObserved | CardPosted | CardUpdated | ClickRefused | VoteRelayed;
