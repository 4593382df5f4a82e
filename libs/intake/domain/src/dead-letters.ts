import type { Envelope } from '@countersign/contracts';
import { EventTypes } from '@countersign/contracts';
import { requestIdOf } from './submission.checks';

/**
 * Issue 10: a consumer that gives up on a genuine message (its handler failed on every attempt,
 * or it crash-looped) must not leave the request it belongs to waiting forever. Intake follows
 * the dead letters of every service and turns each one that strands a request into an outcome
 * the requester hears. This is the one rule for which dead letters do that.
 */

/** Codes that strand nothing: the message's first copy was handled, or it never belonged on that subject. */
export const DEAD_LETTERS_THAT_STRAND_NOTHING: readonly string[] = [
  'replayed_event',
  'subject_mismatch',
  // Refused at the door as too old or too new: the freshness rule's own, deliberate refusal.
  'stale_timestamp',
  'future_timestamp',
];

export type Stranded =
  /** A submission intake itself could not process: answer it with a rejection. */
  | { kind: 'submission'; submissionId: string; requester: string; payload: unknown }
  /** A pipeline event of an accepted request another consumer gave up on: the request is in doubt. */
  | { kind: 'request'; requestId: string; eventType: string };

/**
 * What a dead letter strands, given its code and the dead-lettered envelope as verified by intake
 * itself (`undefined` when the payload is not an authentic envelope, e.g. forged, malformed or cut
 * short): forged and hostile messages strand nothing and may not fail anybody's request.
 */
export function strandedBy(code: string, authentic: Envelope | undefined): Stranded | undefined {
  if (!authentic || DEAD_LETTERS_THAT_STRAND_NOTHING.includes(code)) return undefined;
  if (authentic.type === EventTypes.RequestSubmitted) {
    return { kind: 'submission', submissionId: authentic.id, requester: authentic.signer, payload: authentic.data };
  }
  // Only the services' own events carry a request forward; a lost vote ends in expiry anyway.
  if (!authentic.signer.startsWith('service:') || authentic.type === EventTypes.MessageDeadLettered) return undefined;
  const requestId = requestIdOf(authentic.data);
  return requestId ? { kind: 'request', requestId, eventType: authentic.type } : undefined;
}
