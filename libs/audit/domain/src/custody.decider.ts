import { EventTypes, deterministicId, type AuditViolationV1, type CustodyVerifiedV1, type Envelope } from '@countersign/contracts';
import type { Decider } from '@countersign/decider';
import { checkCustody } from './custody';
import type { DomainEvent } from './domain-event';

/** One stream per request, so "checked once" is a property of a tiny stream, not of the whole log. */
export const custodyStream = (requestId: string): string => `custody-${requestId}`;

export type CustodyVerified = DomainEvent<typeof EventTypes.CustodyVerified, CustodyVerifiedV1>;
export type AuditViolation = DomainEvent<typeof EventTypes.AuditViolation, AuditViolationV1>;
export type CustodyEvent = CustodyVerified | AuditViolation;

/**
 * Sent when a request finished (execution succeeded or failed), with every recorded envelope of
 * that request. The shell should wait while `checkCustody(events).incomplete` holds and a deadline
 * has not passed: the verdict is final, and a vote may still be in flight on another consumer.
 */
export interface CheckCustody {
  type: 'CheckCustody';
  requestId: string;
  events: readonly Envelope[];
  now: string;
}
export type CustodyCommand = CheckCustody;

export type CustodyState = { status: 'unchecked' } | { status: 'verified' | 'violated'; eventId: string };

export const initialCustodyState = (): CustodyState => ({ status: 'unchecked' });

export function decideCustody({ requestId, events, now }: CheckCustody, state: CustodyState): CustodyEvent[] {
  if (state.status !== 'unchecked') return [];
  const result = checkCustody(events);
  if (result.ok) {
    return [
      {
        type: EventTypes.CustodyVerified,
        id: deterministicId(requestId, 'custody.verified'),
        data: { requestId, custody: result.custody, verifiedAt: now },
      },
    ];
  }
  return [
    {
      type: EventTypes.AuditViolation,
      id: deterministicId(requestId, 'audit.violation'),
      data: { requestId, violations: result.violations, detectedAt: now },
    },
  ];
}

export function evolveCustody(_state: CustodyState, event: CustodyEvent): CustodyState {
  return { status: event.type === EventTypes.CustodyVerified ? 'verified' : 'violated', eventId: event.id };
}

export const custodyDecider: Decider<CustodyCommand, CustodyEvent, CustodyState> = {
  decide: decideCustody,
  evolve: evolveCustody,
  initialState: initialCustodyState,
};
