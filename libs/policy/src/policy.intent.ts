import type { ChangeIntent } from '@countersign/contracts';
import type { IntentPart, PolicyDocument } from './policy.schema';

/** Stamp rule prefix of a change-intent requirement a request does not meet. */
export const INTENT_RULE = 'intent:';

/**
 * What of the change intent a tier requires is missing or malformed, as stamp rules
 * (`intent:missing=rollbackPlan`, `intent:ticket-pattern`); empty when the request meets it.
 * The contract already refuses blank text, so present means non-empty.
 */
export function intentGaps(
  requires: readonly IntentPart[],
  intent: ChangeIntent | undefined,
  settings: PolicyDocument['changeIntent'],
): string[] {
  return requires.flatMap((part) => {
    const value = intent?.[part];
    if (value === undefined || value.trim() === '') return [`${INTENT_RULE}missing=${part}`];
    if (part === 'ticket' && settings && !new RegExp(settings.ticketPattern, 'u').test(value)) return [`${INTENT_RULE}ticket-pattern`];
    return [];
  });
}
