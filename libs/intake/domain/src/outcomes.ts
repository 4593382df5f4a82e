import { EventTypes, type EventData } from '@countersign/contracts';
import type { LaterOutcome } from './intake.commands';

/** What intake tells a requester about an event another service published on its request. */
export interface OutcomeNotice {
  requestId: string;
  outcome: LaterOutcome;
  detail: string;
}

/**
 * One row per event that changes what the requester should know, so an agent never has to poll.
 * Everything that ends a request other than by approval or execution is reported as `failed`
 * with the reason in the detail.
 */
const OUTCOMES = {
  [EventTypes.RequestApproved]: (data: EventData<typeof EventTypes.RequestApproved>) => ({
    outcome: 'approved' as const,
    detail: `approved under ${data.policy.label}/${data.policy.tier}`,
  }),
  // Nobody decided in time and more people were asked: still waiting, longer.
  [EventTypes.ApprovalEscalated]: (data: EventData<typeof EventTypes.ApprovalEscalated>) => ({
    outcome: 'escalated' as const,
    detail: `no decision yet (${data.approvals}/${data.quorum} approvals): now also asking ${data.addedGroups.join(', ')}; expires at ${data.expiresAt}`,
  }),
  [EventTypes.RequestDenied]: (data: EventData<typeof EventTypes.RequestDenied>) => ({
    outcome: 'denied' as const,
    detail: `denied by ${data.deniedBy}${data.reason ? `: ${data.reason}` : ''}`,
  }),
  [EventTypes.RequestExpired]: (data: EventData<typeof EventTypes.RequestExpired>) => ({
    outcome: 'expired' as const,
    detail: `no decision before ${data.expiredAt} (${data.approvals}/${data.quorum} approvals)`,
  }),
  [EventTypes.ExecutionSucceeded]: (data: EventData<typeof EventTypes.ExecutionSucceeded>) => ({
    outcome: 'executed' as const,
    detail: `target answered ${data.result.status}`,
  }),
  [EventTypes.ExecutionFailed]: (data: EventData<typeof EventTypes.ExecutionFailed>) => ({
    outcome: 'failed' as const,
    detail: `${data.error.code}: ${data.error.message}`,
  }),
  [EventTypes.ExecutionInDoubt]: (data: EventData<typeof EventTypes.ExecutionInDoubt>) => ({
    outcome: 'failed' as const,
    detail: `in doubt, needs a human: ${data.reason}`,
  }),
  [EventTypes.CredentialRefused]: (data: EventData<typeof EventTypes.CredentialRefused>) => ({
    outcome: 'failed' as const,
    detail: `broker refused a credential: ${data.code}`,
  }),
  [EventTypes.ExecutionRefused]: (data: EventData<typeof EventTypes.ExecutionRefused>) => ({
    outcome: 'failed' as const,
    detail: `executor refused: ${data.code}`,
  }),
};

export type OutcomeEventType = keyof typeof OUTCOMES;

/** The event types intake listens to for outcomes (its consumers' handlers). */
export const OUTCOME_EVENT_TYPES = Object.keys(OUTCOMES) as OutcomeEventType[];

/** The notice for a verified event of one of OUTCOME_EVENT_TYPES, or undefined for any other type. */
export function outcomeNotice(event: { type: string; data: unknown }): OutcomeNotice | undefined {
  if (!Object.hasOwn(OUTCOMES, event.type)) return undefined;
  // The row matches the type, and the shell verified the data against that type's schema.
  const describe = OUTCOMES[event.type as OutcomeEventType] as (data: unknown) => Omit<OutcomeNotice, 'requestId'>;
  return { requestId: (event.data as { requestId: string }).requestId, ...describe(event.data) };
}
