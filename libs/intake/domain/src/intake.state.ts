import type { Outcome } from '@countersign/contracts';
import { IntakeErrorCodes, type IntakeEvent } from './intake.events';

/** One stream per request id in intake's store. */
export function streamFor(requestId: string): string {
  return `request-${requestId}`;
}

/** Where a submission without a usable request id is answered, so it stays idempotent too. */
export function submissionStreamFor(submissionId: string): string {
  return `submission-${submissionId}`;
}

export interface AcceptedRequest {
  requestId: string;
  requester: string;
  submissionId: string;
  digest: string;
  /** The agent run it was asked in, whose budget it also holds (docs/agents.md). */
  runId?: string;
}

interface Ledger {
  /** Submissions already answered; a redelivery of one of them changes nothing. */
  answered: readonly string[];
  /**
   * Submissions refused for arriving on another requester's subject. Kept apart from `answered`
   * so that a replay seen first cannot consume the genuine submission's id.
   */
  mismatched: readonly string[];
  /** Outcomes already told to the requester. */
  notified: readonly Outcome[];
}

/** `joined`: the submission joined another pending request (joinedRequestId); this id opens nothing. */
export type IntakeState = Ledger &
  ({ status: 'open' } | { status: 'accepted'; request: AcceptedRequest } | { status: 'joined'; joinedRequestId: string });

export function initialState(): IntakeState {
  return { status: 'open', answered: [], mismatched: [], notified: [] };
}

export function evolve(state: IntakeState, event: IntakeEvent): IntakeState {
  switch (event.type) {
    case 'countersign.request.accepted.v1': {
      const { requestId, requester, submissionId, digest } = event.data;
      return {
        ...state,
        status: 'accepted',
        request: { requestId, requester, submissionId, digest, ...(event.data.agent ? { runId: event.data.agent.runId } : {}) },
        answered: [...state.answered, submissionId],
      };
    }
    case 'countersign.request.rejected.v1':
      return isMismatch(event.data.errors)
        ? { ...state, mismatched: [...state.mismatched, event.data.submissionId] }
        : { ...state, answered: [...state.answered, event.data.submissionId] };
    case 'countersign.requester.notified.v1':
      return event.data.outcome === 'joined' && event.data.submissionId && event.data.joinedRequestId
        ? {
            ...state,
            status: 'joined',
            joinedRequestId: event.data.joinedRequestId,
            answered: [...state.answered, event.data.submissionId],
            notified: [...state.notified, event.data.outcome],
          }
        : { ...state, notified: [...state.notified, event.data.outcome] };
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
}

function isMismatch(errors: readonly { code: string }[]): boolean {
  return errors.some((error) => error.code === IntakeErrorCodes.RequesterMismatch);
}
