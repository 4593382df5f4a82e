import { EventTypes, type CanonicalAction, type RequestSubmittedV1 } from '@countersign/contracts';
import { joinDigestOf } from './admission';
import { ADMITTED } from './budget.events';
import type { HandleSubmission } from './intake.commands';
import { decide } from './intake.decide';
import type { IntakeState } from './intake.state';

/** A submission the decider would accept if its budget allowed, and what the ledger needs to know. */
export interface AcceptablePreview {
  requestId: string;
  action: CanonicalAction;
  joinDigest: string;
}

/**
 * Would this submission be accepted, budgets aside? The very decision, taken with ADMITTED and
 * not stored: so only submissions that would open an approval ever claim a budget, and a
 * redelivered one (already answered: no events) claims nothing.
 */
export function previewAcceptance(command: Omit<HandleSubmission, 'admission'>, state: IntakeState): AcceptablePreview | undefined {
  const accepted = decide({ ...command, admission: ADMITTED }, state).find((event) => event.type === EventTypes.RequestAccepted);
  if (accepted?.type !== EventTypes.RequestAccepted) return undefined;
  const { requestId, action } = accepted.data;
  // Accepted, so the payload passed RequestSubmittedV1.
  const windowRequested = (command.payload as RequestSubmittedV1).action.window !== undefined;
  return { requestId, action, joinDigest: joinDigestOf(action, windowRequested) };
}
