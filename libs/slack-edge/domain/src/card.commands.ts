import type { SlackVoteClick } from '@countersign/contracts';
import type { ObservedApprovalEvent } from './card.events';

/** An approval event from the bus, already verified by the transport. */
export interface ObserveApproval {
  type: 'ObserveApproval';
  event: ObservedApprovalEvent;
}

/** The shell posted (or updated) the card showing `version` of the state. */
export interface RecordCardPosted {
  type: 'RecordCardPosted';
  requestId: string;
  channel: string;
  ts: string;
  version: number;
}

export interface RecordCardUpdated {
  type: 'RecordCardUpdated';
  requestId: string;
  version: number;
}

/**
 * A click on a card, after the shell verified Slack's signature (HTTP) or the Socket Mode
 * connection delivered it. `approver` is the registry's mapping of the Slack user, if any.
 */
export interface RelayClick {
  type: 'RelayClick';
  click: SlackVoteClick;
  approver: string | undefined;
}

export type CardCommand = ObserveApproval | RecordCardPosted | RecordCardUpdated | RelayClick;
