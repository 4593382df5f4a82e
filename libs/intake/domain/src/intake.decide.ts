import {
  actionDigest,
  deterministicId,
  EventTypes,
  identityId,
  parseWith,
  REJECTED_SUBMISSION_MAX_CHARS,
  resolveTarget,
  RequestSubmittedV1,
  scopeErrors,
  type AgentContext,
  type CanonicalAction,
  type FieldError,
  type RegistryFacts,
  type RequestSubmittedV1 as Submitted,
  type TimeWindow,
} from '@countersign/contracts';
import { byCommandType } from '@countersign/decider';
import type { FailStranded, HandleSubmission, IntakeCommand, NotifyOutcome, RejectUnprocessable } from './intake.commands';
import { IntakeErrorCodes, type IntakeEvent, type RequestAccepted, type RequestRejected, type RequesterNotified } from './intake.events';
import type { IntakeState } from './intake.state';
import { checkRun } from './run.checks';
import { joinedNotice, rateLimitedError } from './admission';
import { acceptedSizeErrors, checkAllowed, requestIdOf, resolveWindow, type Checked } from './submission.checks';

/** Tags for deterministicId: each event a command can cause gets its own, stable per cause. */
export const IdTags = {
  accepted: 'request.accepted',
  rejected: 'request.rejected',
  notified: 'requester.notified',
  mismatchRejected: 'request.rejected.requester-mismatch',
  mismatchNotified: 'requester.notified.requester-mismatch',
  outcome: (outcome: string) => `requester.notified.${outcome}`,
  joined: 'requester.notified.joined',
} as const;

export const decide = byCommandType<IntakeCommand, IntakeState, IntakeEvent>({
  HandleSubmission: handleSubmission,
  NotifyOutcome: notifyOutcome,
  RejectUnprocessable: rejectUnprocessable,
  FailStranded: failStranded,
});

function handleSubmission(command: HandleSubmission, state: IntakeState): IntakeEvent[] {
  // The subject token is what the bus proves; a signature by someone else on it is a replay or a
  // misroute. Checked before idempotency so a replay can never pass as the genuine submission.
  if (command.requester !== identityId('requester', command.subjectRequester)) {
    return state.mismatched.includes(command.submissionId) ? [] : rejectMismatch(command);
  }
  if (state.answered.includes(command.submissionId)) return [];
  const examined = examine(command, state);
  if (!examined.ok) return reject(command, examined.errors, IdTags.rejected, IdTags.notified, carriedSubmission(command));
  const { admission } = command;
  switch (admission.verdict) {
    case 'admitted':
      return accept(command, examined.value);
    case 'joined':
      return [joinedNotice(command, examined.value.submitted.requestId, admission.joinedRequestId)];
    case 'rate_limited':
      return reject(command, [rateLimitedError(admission)], IdTags.rejected, IdTags.notified, carriedSubmission(command));
    default: {
      const unreachable: never = admission;
      return unreachable;
    }
  }
}

interface Acceptable {
  submitted: Submitted;
  facts: RegistryFacts;
  window: TimeWindow;
  agent: AgentContext | undefined;
}

/**
 * Gate first (may this workload ask at all?), then shape, then the run (verification before
 * approval: nothing else is judged for a run that does not hold), then the target's facts, then
 * what it asks for, within the run's task scope.
 */
function examine(command: HandleSubmission, state: IntakeState): Checked<Acceptable> {
  const { registration } = command;
  if (!registration?.registered) {
    const message = `${command.requester} is not a registered requester`;
    return { ok: false, errors: [{ path: 'requester', code: IntakeErrorCodes.RequesterNotRegistered, message }] };
  }
  const parsed = parseWith(RequestSubmittedV1, command.payload);
  if (!parsed.ok) return parsed;
  const run = checkRun(command, parsed.value);
  if (!run.ok) return run;
  const { action } = parsed.value;
  const target = resolveTarget(action, command.subjectRequester, command.targets);
  const errors: FieldError[] = target.ok ? [] : [...target.errors];
  const environment = target.ok ? target.facts.environment : undefined;
  errors.push(...checkAllowed(action.kind, environment, registration));
  if (run.value) errors.push(...scopeErrors(run.value.scope, { kind: action.kind, target: action.target, environment }));
  if (state.status !== 'open') {
    errors.push({
      path: 'requestId',
      code: IntakeErrorCodes.DuplicateRequest,
      message:
        state.status === 'accepted'
          ? 'this request id was already accepted for another submission'
          : 'this request id already joined another pending request for another submission',
    });
  }
  if (!target.ok || errors.length > 0) return { ok: false, errors };
  const window = resolveWindow(action.window, command.now, command.defaultWindowSeconds);
  if (!window.ok) return window;
  return { ok: true, value: { submitted: parsed.value, facts: target.facts, window: window.value, agent: run.value?.agent } };
}

function accept(command: HandleSubmission, { submitted, facts, window, agent }: Acceptable): IntakeEvent[] {
  // The registry's facts overwrite the (equal, checked) assertions: the digest covers what it says.
  const action: CanonicalAction = { ...submitted.action, ...facts, window, requestId: submitted.requestId };
  const data: RequestAccepted['data'] = {
    requestId: submitted.requestId,
    requester: command.requester,
    submissionId: command.submissionId,
    action,
    digest: actionDigest(action),
    reason: submitted.reason,
    acceptedAt: command.now,
    // The requester's own signed words: the broker and the executor verify them (submissionProblem).
    submission: command.submission,
    // On the wire, not only in approval's state: who asked, in which run, for whom.
    ...optional({ agent }),
  };
  const tooLarge = acceptedSizeErrors(data);
  if (tooLarge.length > 0) return reject(command, tooLarge, IdTags.rejected, IdTags.notified);
  const accepted: RequestAccepted = {
    id: deterministicId(command.submissionId, IdTags.accepted),
    type: EventTypes.RequestAccepted,
    time: command.now,
    data,
  };
  const notified = notification(command, deterministicId(command.submissionId, IdTags.notified), {
    requestId: submitted.requestId,
    outcome: 'accepted',
    causationEventId: accepted.id,
    action,
  });
  return [accepted, notified];
}

type Answerable = Pick<HandleSubmission, 'submissionId' | 'requester' | 'payload' | 'now'>;

/** The submission a rejection carries for audit (see RequestRejectedV1.submission), when it is small enough. */
function carriedSubmission(command: HandleSubmission): HandleSubmission['submission'] | undefined {
  const { submission } = command;
  return submission && JSON.stringify(submission).length <= REJECTED_SUBMISSION_MAX_CHARS ? submission : undefined;
}

function reject(
  command: Answerable,
  errors: FieldError[],
  rejectedTag: string,
  notifiedTag: string,
  submission?: HandleSubmission['submission'],
): IntakeEvent[] {
  const requestId = requestIdOf(command.payload);
  const rejected: RequestRejected = {
    id: deterministicId(command.submissionId, rejectedTag),
    type: EventTypes.RequestRejected,
    time: command.now,
    data: {
      ...optional({ requestId }),
      requester: command.requester,
      submissionId: command.submissionId,
      errors,
      rejectedAt: command.now,
      ...optional({ submission }),
    },
  };
  const notified = notification(command, deterministicId(command.submissionId, notifiedTag), {
    ...optional({ requestId }),
    outcome: 'rejected',
    errors,
    causationEventId: rejected.id,
  });
  return [rejected, notified];
}

/**
 * Answered to the signer, not to the subject's owner: the signature is what identifies a party,
 * and it tells the signer that an envelope of theirs is being replayed elsewhere.
 */
function rejectMismatch(command: HandleSubmission): IntakeEvent[] {
  const message = `signed by ${command.requester} but published on the subject of requester ${command.subjectRequester}`;
  const errors = [{ path: 'requester', code: IntakeErrorCodes.RequesterMismatch, message }];
  return reject(command, errors, IdTags.mismatchRejected, IdTags.mismatchNotified);
}

/**
 * Once per (request, outcome), and only for requests intake itself accepted. Once the requester
 * heard how the request ended, the first ending stands: intake's consumers of different services
 * (and of executor outcomes racing a stranding) deliver in no common order, so a later `escalated`
 * or a second, different ending would tell the requester something contradictory.
 */
function notifyOutcome(command: NotifyOutcome, state: IntakeState): IntakeEvent[] {
  if (state.status !== 'accepted' || state.notified.includes(command.outcome)) return [];
  if (isEnded(state) && AFTER_THE_END_UNSAID.includes(command.outcome)) return [];
  const { requestId, requester, submissionId } = state.request;
  const event: RequesterNotified = {
    // Derived from the request, not the cause: two causes of one outcome (failed, in doubt) are one notice.
    id: deterministicId(requestId, IdTags.outcome(command.outcome)),
    type: EventTypes.RequesterNotified,
    time: command.now,
    data: {
      requestId,
      submissionId,
      requester,
      outcome: command.outcome,
      ...optional({ detail: command.detail }),
      causationEventId: command.causationEventId,
      notifiedAt: command.now,
    },
  };
  return [event];
}

/** Same ids as an ordinary rejection: a submission is answered once, whichever way it ends. */
function rejectUnprocessable(command: RejectUnprocessable, state: IntakeState): IntakeEvent[] {
  if (state.answered.includes(command.submissionId) || state.mismatched.includes(command.submissionId)) return [];
  const message = `intake could not process this submission (${command.code}): ${command.message}`;
  const errors = [{ path: '', code: IntakeErrorCodes.Unprocessable, message }];
  return reject(command, errors, IdTags.rejected, IdTags.notified);
}

const FINAL_OUTCOMES: readonly string[] = ['executed', 'failed', 'denied', 'expired'];
/** Never told after an ending: another ending, or "still waiting". */
const AFTER_THE_END_UNSAID: readonly string[] = [...FINAL_OUTCOMES, 'escalated'];

const isEnded = (state: IntakeState) => state.notified.some((outcome) => FINAL_OUTCOMES.includes(outcome));

/** Told as `failed` (in doubt), unless the requester already heard how the request ended. */
function failStranded(command: FailStranded, state: IntakeState): IntakeEvent[] {
  if (isEnded(state)) return [];
  const { requestId, causationEventId, detail, now } = command;
  return notifyOutcome({ type: 'NotifyOutcome', requestId, outcome: 'failed', causationEventId, detail, now }, state);
}

type NotificationFields = Pick<RequesterNotified['data'], 'requestId' | 'outcome' | 'errors' | 'causationEventId' | 'action'>;

function notification(command: Answerable, id: string, fields: NotificationFields): RequesterNotified {
  return {
    id,
    type: EventTypes.RequesterNotified,
    time: command.now,
    data: { ...fields, submissionId: command.submissionId, requester: command.requester, notifiedAt: command.now },
  };
}

/** Leaves out absent optional fields rather than writing `undefined`, so events compare and sign cleanly. */
function optional<T extends object>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<T>;
}
