import type { EventData, EventType, EventTypes, PolicyStamp, TimeWindow } from '@countersign/contracts';

/**
 * A domain event is exactly what the shell signs: `id` and `time` become the envelope's, `type`
 * and `data` are the contract's. Ids come from `deterministicId` (a pure hash of the cause), so
 * handling a redelivered message yields the very same events.
 */
export interface DomainEvent<T extends EventType> {
  id: string;
  type: T;
  time: string;
  data: EventData<T>;
}

export type ApprovalRequested = DomainEvent<typeof EventTypes.ApprovalRequested>;
export type VoteRecorded = DomainEvent<typeof EventTypes.VoteRecorded>;
export type VoteRejected = DomainEvent<typeof EventTypes.VoteRejected>;
export type RequestApproved = DomainEvent<typeof EventTypes.RequestApproved>;
export type RequestDenied = DomainEvent<typeof EventTypes.RequestDenied>;
export type RequestExpired = DomainEvent<typeof EventTypes.RequestExpired>;

/** Types of events that stay in approval's own store: stored, never signed, never relayed. */
export const LocalEventTypes = { ApprovalOpened: 'approval.opened' } as const;

/**
 * What the approval was opened with. No contract event carries all of it (eligible approvers and
 * their people, the execution window, the accepted event id), yet every later vote is judged by
 * it, so it is recorded once, locally, and replay never consults the current policy or registry.
 */
export interface ApprovalOpenedData {
  requestId: string;
  requester: string;
  /** Everyone the requester stands for: the workload's own name and its owner, if any. */
  requesterPersons: string[];
  digest: string;
  acceptedEventId: string;
  /** The window intake accepted the action for. */
  window: TimeWindow;
  policy: PolicyStamp;
  mode: 'auto' | 'quorum';
  quorum: number;
  eligibleGroups: string[];
  eligibleApprovers: string[];
  /** Person of each eligible approver. */
  personOf: Record<string, string>;
  /** The policy's pending deadline, never later than the end of the request window. */
  expiresAt: string;
  executionWindowSeconds: number;
  openedAt: string;
}

export interface ApprovalOpened {
  id: string;
  type: typeof LocalEventTypes.ApprovalOpened;
  time: string;
  data: ApprovalOpenedData;
}

export type PublishedApprovalEvent = ApprovalRequested | VoteRecorded | VoteRejected | RequestApproved | RequestDenied | RequestExpired;
export type ApprovalEvent = ApprovalOpened | PublishedApprovalEvent;

/** True for events the shell must store but neither sign nor relay. */
export function isLocalEvent(event: ApprovalEvent): event is ApprovalOpened {
  return event.type === LocalEventTypes.ApprovalOpened;
}
