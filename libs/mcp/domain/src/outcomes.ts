import type { FieldError, Outcome } from '@countersign/contracts';

/** What intake told the requester about one request, as the gateway keeps it. */
export interface Notice {
  outcome: Outcome;
  detail?: string;
  errors?: FieldError[];
  /** For `joined`: the identical pending request this one follows (it opened no approval of its own). */
  joinedRequestId?: string;
  /** For `accepted`: the text approvers are shown (renderAction of the accepted action). */
  rendering?: string;
  notifiedAt: string;
}

/** Outcomes that end a request; `executed` is the only good one. */
export const FINAL_OUTCOMES: readonly Outcome[] = ['rejected', 'denied', 'expired', 'executed', 'failed'];

export interface ProgressStep {
  progress: number;
  message: string;
}

/** accepted, waiting for approvers, approved, executing, done. */
export const PROGRESS_TOTAL = 5;

/**
 * The progress an MCP client shows for a notice. Intake says accepted and approved; waiting and
 * executing are what those mean for the agent, reported at once after them. Values only grow.
 */
export function progressSteps(requestId: string, notice: Notice): ProgressStep[] {
  switch (notice.outcome) {
    case 'accepted':
      return [
        {
          progress: 1,
          message: `accepted: request ${requestId}${notice.rendering ? `; approvers are shown exactly this:\n${notice.rendering}` : ''}`,
        },
        { progress: 2, message: `waiting for approvers: request ${requestId}` },
      ];
    case 'joined':
      return [
        { progress: 1, message: `joined request ${notice.joinedRequestId ?? '?'}, identical and still pending (request ${requestId})` },
        { progress: 2, message: `waiting for approvers: request ${notice.joinedRequestId ?? requestId}` },
      ];
    case 'escalated':
      return [{ progress: 2.5, message: `still waiting for approvers: ${notice.detail ?? 'escalated'} (request ${requestId})` }];
    case 'approved':
      return [
        { progress: 3, message: `approved: ${notice.detail ?? 'approved'} (request ${requestId})` },
        { progress: 4, message: `executing: request ${requestId}` },
      ];
    default:
      return [];
  }
}

/**
 * While nothing new happens (people take their time), the last step again with a tiny increment,
 * so a client that resets its request timeout on progress keeps waiting. Never reaches the next
 * whole step; undefined once there is no room left below it.
 */
export function heartbeatStep(last: ProgressStep, waitedSeconds: number): ProgressStep | undefined {
  const progress = Math.round((last.progress + 0.001) * 1000) / 1000;
  if (progress >= Math.floor(last.progress) + 0.9) return undefined;
  const base = last.message.replace(/ \(still, after \d+ s\)$/, '');
  return { progress, message: `${base} (still, after ${waitedSeconds} s)` };
}

/** What a tool call returns; `structured` is also the MCP structuredContent. */
export interface CallOutcome {
  isError: boolean;
  text: string;
  structured: { requestId: string; status: Outcome | 'pending' | 'unknown'; detail?: string; errors?: FieldError[] };
}

const ENDINGS: Record<string, string> = {
  executed: 'executed',
  rejected: 'REJECTED by intake, nothing ran',
  denied: 'DENIED by an approver, nothing ran',
  expired: 'EXPIRED: nobody decided in time, nothing ran',
  failed: 'FAILED',
};

/** The final notice among `notices`, as the call's result; undefined while the request goes on. */
export function finalOutcome(requestId: string, notices: readonly Notice[]): CallOutcome | undefined {
  const final = notices.find((notice) => FINAL_OUTCOMES.includes(notice.outcome));
  if (!final) return undefined;
  const errors = final.errors?.map((error) => `${error.path}: ${error.code}: ${error.message}`).join('; ');
  const detail = [final.detail, errors].filter(Boolean).join('; ');
  return {
    isError: final.outcome !== 'executed',
    text: `request ${requestId} ${ENDINGS[final.outcome] ?? final.outcome}${detail ? `: ${detail}` : ''}`,
    structured: {
      requestId,
      status: final.outcome,
      ...(final.detail ? { detail: final.detail } : {}),
      ...(final.errors ? { errors: final.errors } : {}),
    },
  };
}

/** A request that has not ended (yet): the call stops waiting, the request goes on. */
export function pendingOutcome(requestId: string, notices: readonly Notice[], statusTool: string): CallOutcome {
  const last = notices.at(-1);
  const where = last ? `last heard: ${last.outcome}${last.detail ? ` (${last.detail})` : ''}` : 'not yet accepted';
  return {
    isError: false,
    text: `request ${requestId} is PENDING, nothing has run yet (${where}). Ask ${statusTool} with this request id for its outcome later.`,
    structured: { requestId, status: 'pending', ...(last?.detail ? { detail: last.detail } : {}) },
  };
}
