import { BudgetEventTypes, type Admission, type BudgetEvent } from './budget.events';

/** The sliding window: submissions are counted for this long after they were admitted or joined. */
export const BUDGET_WINDOW_MS = 60_000;

interface Counted {
  submissionId: string;
  tier: string;
  at: string;
  /** `at` parsed once, when counted: the window is checked against every entry on every event. */
  atMs: number;
  /** Set when the submission joined a pending request. */
  joinedRequestId?: string;
}

export interface PendingRequest {
  requestId: string;
  submissionId: string;
  tier: string;
  joinDigest: string;
}

/**
 * Bounded by construction: `recent` keeps only admissions and joins of the last minute (refusals
 * are never kept, so a flood cannot grow it), i.e. at most the per-minute budget per tier, and
 * `pending` at most the pending budget per tier, an entry leaving when the request's decision
 * comes (ReleaseBudget).
 */
export interface BudgetState {
  recent: readonly Counted[];
  pending: readonly PendingRequest[];
}

export function initialBudgetState(): BudgetState {
  return { recent: [], pending: [] };
}

/** Whether a release frees this pending entry: its request's, or only one submission's when named. */
export function isReleased(entry: PendingRequest, release: { requestId: string; submissionId?: string }): boolean {
  return entry.requestId === release.requestId && (release.submissionId === undefined || entry.submissionId === release.submissionId);
}

/** The entries of `recent` still inside the window that ends at `now`. */
export function withinWindow(recent: readonly Counted[], now: string): Counted[] {
  const since = Date.parse(now) - BUDGET_WINDOW_MS;
  return recent.filter((entry) => entry.atMs > since);
}

export function evolveBudget(state: BudgetState, event: BudgetEvent): BudgetState {
  switch (event.type) {
    case BudgetEventTypes.Admitted: {
      const { submissionId, requestId, tier, joinDigest, at } = event.data;
      return {
        recent: [...withinWindow(state.recent, at), { submissionId, tier, at, atMs: Date.parse(at) }],
        pending: [...state.pending, { requestId, submissionId, tier, joinDigest }],
      };
    }
    case BudgetEventTypes.Joined: {
      const { submissionId, tier, at, joinedRequestId } = event.data;
      return { ...state, recent: [...withinWindow(state.recent, at), { submissionId, tier, at, atMs: Date.parse(at), joinedRequestId }] };
    }
    case BudgetEventTypes.Refused:
      return { ...state, recent: withinWindow(state.recent, event.data.at) };
    case BudgetEventTypes.Released:
      return {
        recent: withinWindow(state.recent, event.data.at),
        pending: state.pending.filter((entry) => !isReleased(entry, event.data)),
      };
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
}

/**
 * The verdict already recorded for a submission, when the ledger still holds it: a redelivered
 * submission is answered as it was. A refusal is not kept (see BudgetState); one redelivered
 * before its rejection was stored is decided again, against the budgets of that moment.
 */
export function recordedAdmission(state: BudgetState, submissionId: string): Admission | undefined {
  if (state.pending.some((entry) => entry.submissionId === submissionId)) return { verdict: 'admitted' };
  const counted = state.recent.find((entry) => entry.submissionId === submissionId);
  if (!counted) return undefined;
  return counted.joinedRequestId ? { verdict: 'joined', joinedRequestId: counted.joinedRequestId } : { verdict: 'admitted' };
}
