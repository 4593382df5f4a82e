import { MAX_ENVELOPE_BYTES, RequestId, type FieldError, type RequestAcceptedV1, type TimeWindow } from '@countersign/contracts';
import type { RequesterRegistration } from './intake.commands';
import { IntakeErrorCodes } from './intake.events';
import { addSeconds, secondsBetween } from '@countersign/decider';

/** No window may be longer than a day: a credential for "whenever" is a standing credential. */
export const MAX_WINDOW_SECONDS = 24 * 60 * 60;

export type Checked<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

/** The request id in a not-yet-validated payload, when it is a well-formed one. */
export function requestIdOf(payload: unknown): string | undefined {
  if (typeof payload !== 'object' || payload === null) return undefined;
  const parsed = RequestId.safeParse((payload as { requestId?: unknown }).requestId);
  return parsed.success ? parsed.data : undefined;
}

/**
 * The verification gate: may this workload ask for this kind of action in this environment? The
 * environment is the target registry's (undefined when the target is unknown: nothing to check).
 */
export function checkAllowed(kind: string, environment: string | undefined, registration: RequesterRegistration): FieldError[] {
  const errors: FieldError[] = [];
  if (!registration.allowedKinds.includes(kind)) {
    errors.push({ path: 'action.kind', code: IntakeErrorCodes.KindNotAllowed, message: `this requester may not ask for ${kind}` });
  }
  if (environment !== undefined && !registration.allowedEnvironments.includes(environment)) {
    const message = `this requester may not act in ${environment}`;
    errors.push({ path: 'action.environment', code: IntakeErrorCodes.EnvironmentNotAllowed, message });
  }
  return errors;
}

/** The window the action is bound to: the one asked for if acceptable, else [now, now + default]. */
export function resolveWindow(requested: TimeWindow | undefined, now: string, defaultWindowSeconds: number): Checked<TimeWindow> {
  if (requested === undefined) return { ok: true, value: defaultWindow(now, defaultWindowSeconds) };
  const errors: FieldError[] = [];
  if (Date.parse(requested.notAfter) <= Date.parse(now)) {
    errors.push({ path: 'action.window.notAfter', code: IntakeErrorCodes.WindowEnded, message: `the window ended before ${now}` });
  }
  if (secondsBetween(requested.notBefore, requested.notAfter) > MAX_WINDOW_SECONDS) {
    errors.push({
      path: 'action.window',
      code: IntakeErrorCodes.WindowTooLong,
      message: `a window may last at most ${MAX_WINDOW_SECONDS} seconds`,
    });
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: requested };
}

function defaultWindow(now: string, defaultWindowSeconds: number): TimeWindow {
  if (!Number.isInteger(defaultWindowSeconds) || defaultWindowSeconds < 1) {
    throw new RangeError(`defaultWindowSeconds must be a positive integer, got ${defaultWindowSeconds} (this is a bug)`);
  }
  return { notBefore: now, notAfter: addSeconds(now, Math.min(defaultWindowSeconds, MAX_WINDOW_SECONDS)) };
}

/**
 * The accepted request carries the submission and the action it asks for, so it is up to twice as
 * large as the submission. It may be no larger than an outside party's envelope (less room for the
 * envelope's own attributes): whatever wraps it (the audit record, a dead letter's excerpt) then
 * still fits the service-event limit (ENVELOPE_LIMITS) and the streams' message size.
 */
export const MAX_ACCEPTED_DATA_BYTES = MAX_ENVELOPE_BYTES - 4 * 1024;

/** A `too_large` error when the accepted request would not fit, so the requester hears why. */
export function acceptedSizeErrors(data: RequestAcceptedV1): FieldError[] {
  const bytes = new TextEncoder().encode(JSON.stringify(data)).byteLength;
  if (bytes <= MAX_ACCEPTED_DATA_BYTES) return [];
  const message = `the accepted request, which carries this submission and its action, would be ${bytes} bytes; the limit is ${MAX_ACCEPTED_DATA_BYTES}`;
  return [{ path: 'action', code: IntakeErrorCodes.TooLarge, message }];
}
