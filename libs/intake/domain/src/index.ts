import type { Decider } from '@countersign/decider';
import type { IntakeCommand } from './intake.commands';
import { decide } from './intake.decide';
import type { IntakeEvent } from './intake.events';
import { evolve, initialState, type IntakeState } from './intake.state';

/**
 * Intake's decider for one request stream (`request-<requestId>`): accepts or rejects
 * submissions and tells the requester about every outcome once.
 */
export const intakeDecider: Decider<IntakeCommand, IntakeEvent, IntakeState> = { decide, evolve, initialState };

export type {
  FailStranded,
  HandleSubmission,
  IntakeCommand,
  LaterOutcome,
  NotifyOutcome,
  RejectUnprocessable,
  RequesterRegistration,
} from './intake.commands';
export { DEAD_LETTERS_THAT_STRAND_NOTHING, strandedBy, type Stranded } from './dead-letters';
export { IdTags } from './intake.decide';
export {
  IntakeErrorCodes,
  type DomainEvent,
  type IntakeEvent,
  type RequestAccepted,
  type RequestRejected,
  type RequesterNotified,
} from './intake.events';
export { evolve, initialState, streamFor, submissionStreamFor, type AcceptedRequest, type IntakeState } from './intake.state';
export { MAX_WINDOW_SECONDS, requestIdOf } from './submission.checks';
export { OUTCOME_EVENT_TYPES, outcomeNotice, type OutcomeEventType, type OutcomeNotice } from './outcomes';
export { decide };
export { joinDigestOf } from './admission';
export { admissionOf, budgetDecider, budgetStreamFor, type BudgetCommand, type ClaimBudget, type ReleaseBudget } from './budget.decide';
export { ADMITTED, BudgetEventTypes, type Admission, type BudgetEvent, type BudgetName } from './budget.events';
export { BUDGET_WINDOW_MS, recordedAdmission, type BudgetState, type PendingRequest } from './budget.state';
export { budgetSnapshots } from './budget.snapshot';
export { previewAcceptance, type AcceptablePreview } from './preview';
