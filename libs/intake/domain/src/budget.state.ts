import { addCounted, emptyWindow, expireCounted, findCounted, type Counted, type CountedWindow } from './budget-window';
import { BudgetEventTypes, type Admission, type BudgetEvent } from './budget.events';

/** The sliding window: submissions are counted for this long after they were admitted or joined. */
export const BUDGET_WINDOW_MS = 60_000;

export interface PendingRequest {
  requestId: string;
  submissionId: string;
  tier: string;
  joinDigest: string;
}

/**
 * Bounded by construction: `recent` keeps only admissions and joins of the last minute (refusals
 * are never kept, so a flood cannot grow it; see CountedWindow for how they leave), i.e. at most
 * the per-minute budget per tier, and `pending` at most the pending budget per tier, an entry
 * leaving when the request's decision comes (ReleaseBudget).
 */
export interface BudgetState {
  recent: CountedWindow;
  pending: readonly PendingRequest[];
}

export function initialBudgetState(): BudgetState {
  return { recent: emptyWindow(), pending: [] };
}

/** Whether a release frees this pending entry: its request's, or only one submission's when named. */
export function isReleased(entry: PendingRequest, release: { requestId: string; submissionId?: string }): boolean {
  return entry.requestId === release.requestId && (release.submissionId === undefined || entry.submissionId === release.submissionId);
}

/** The window as it is at `now`: without what was counted a minute or more before it. */
export function windowAt(recent: CountedWindow, now: string): CountedWindow {
  const nowMs = Date.parse(now);
  return expireCounted(recent, nowMs - BUDGET_WINDOW_MS, nowMs);
}

const counted = (data: { submissionId: string; tier: string; at: string; joinedRequestId?: string }): Counted => ({
  ...data,
  atMs: Date.parse(data.at),
});

export function evolveBudget(state: BudgetState, event: BudgetEvent): BudgetState {
  switch (event.type) {
    case BudgetEventTypes.Admitted: {
      const { submissionId, requestId, tier, joinDigest, at } = event.data;
      return {
        recent: addCounted(windowAt(state.recent, at), counted({ submissionId, tier, at })),
        pending: [...state.pending, { requestId, submissionId, tier, joinDigest }],
      };
    }
    case BudgetEventTypes.Joined: {
      const { submissionId, tier, at, joinedRequestId } = event.data;
      return { ...state, recent: addCounted(windowAt(state.recent, at), counted({ submissionId, tier, at, joinedRequestId })) };
    }
    case BudgetEventTypes.Refused:
      return { ...state, recent: windowAt(state.recent, event.data.at) };
    case BudgetEventTypes.Released:
      return {
        recent: windowAt(state.recent, event.data.at),
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
  const entry = findCounted(state.recent, submissionId);
  if (!entry) return undefined;
  return entry.joinedRequestId ? { verdict: 'joined', joinedRequestId: entry.joinedRequestId } : { verdict: 'admitted' };
}
