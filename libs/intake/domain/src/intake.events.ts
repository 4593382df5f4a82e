import { TargetErrorCodes, type EventData, type EventType, type EventTypes } from '@countersign/contracts';
import type { TimedEvent } from '@countersign/decider';

/**
 * A domain event is exactly what the shell signs: `id` and `time` become the envelope's `id` and
 * `time`, `type` and `data` are the contract's. Ids are derived inside the decider with
 * `deterministicId` (a pure hash of the cause), so a redelivered message yields the same ids.
 */
export type DomainEvent<T extends EventType> = TimedEvent<T, EventData<T>>;

export type RequestAccepted = DomainEvent<typeof EventTypes.RequestAccepted>;
export type RequestRejected = DomainEvent<typeof EventTypes.RequestRejected>;
export type RequesterNotified = DomainEvent<typeof EventTypes.RequesterNotified>;

export type IntakeEvent = RequestAccepted | RequestRejected | RequesterNotified;

/** Rejection codes intake adds to the contract's field-error vocabulary (zod codes cover the rest). */
export const IntakeErrorCodes = {
  RequesterMismatch: 'requester_mismatch',
  RequesterNotRegistered: 'requester_not_registered',
  KindNotAllowed: 'kind_not_allowed',
  EnvironmentNotAllowed: 'environment_not_allowed',
  ...TargetErrorCodes,
  DuplicateRequest: 'duplicate_request',
  WindowEnded: 'window_ended',
  WindowTooLong: 'window_too_long',
  /** The accepted request would carry more than MAX_ACCEPTED_DATA_BYTES (the submission and its action). */
  TooLarge: 'too_large',
  /** Intake could not process an authentic submission (its consumer gave up on it); see strandedBy. */
  Unprocessable: 'unprocessable',
  /** Over the requester's submissions-per-minute or pending-approvals budget for the tier (budgetDecider). */
  RateLimited: 'rate_limited',
} as const;
