import type { Subscription } from 'nats';
import { EventTypes, serviceId, type Outcome, type RequesterNotifiedV1 } from '@countersign/contracts';
import { DEFAULT_MAX_SKEW_MS, type TrustStore } from '@countersign/identity';
import { ExitCode, type CliContext } from '../context';
import { formatFieldErrors } from '../output';

/**
 * Which outcomes end the wait, and how. Accepted, escalated and approved are milestones, not
 * endings; so is joined, after which the wait follows the joined request (see waitForOutcome).
 */
export const EXIT_FOR_OUTCOME: Record<Outcome, ExitCode | undefined> = {
  accepted: undefined,
  escalated: undefined,
  approved: undefined,
  executed: ExitCode.ok,
  rejected: ExitCode.negativeOutcome,
  denied: ExitCode.negativeOutcome,
  expired: ExitCode.negativeOutcome,
  failed: ExitCode.negativeOutcome,
  joined: undefined,
};

export interface AwaitedSubmission {
  requestId: string;
  /** A rejection of a malformed submission may carry only the submission's event id. */
  submissionId: string;
}

export type NotificationReading =
  { relevant: false; warning?: string } | { relevant: true; eventId: string; notification: RequesterNotifiedV1 };

/**
 * Anyone able to publish on the notify subject could claim "executed", so a notification counts
 * only if it verifies against the trust store and was signed by intake, the one service that
 * speaks to requesters. The trust store already ties the type to intake; checking the signer here
 * as well keeps the rule visible where the decision is taken.
 */
export function readNotification(
  trust: TrustStore,
  bytes: Uint8Array | string,
  awaited: AwaitedSubmission,
  receivedAt: Date = new Date(),
): NotificationReading {
  // Heard live: our clock at arrival is the witness a key retired in the meantime is judged by.
  const verified = trust.verifyBytes(bytes, { now: receivedAt, maxSkewMs: DEFAULT_MAX_SKEW_MS });
  if (!verified.ok)
    return { relevant: false, warning: `ignored a notification that does not verify (${verified.code}: ${verified.message})` };
  const { envelope } = verified;
  if (envelope.signer !== serviceId('intake') || verified.type !== EventTypes.RequesterNotified) {
    return { relevant: false, warning: `ignored ${verified.type} signed by ${envelope.signer}: only service:intake notifies requesters` };
  }
  const notification = envelope.data as RequesterNotifiedV1;
  const mine = notification.requestId === awaited.requestId || notification.submissionId === awaited.submissionId;
  return mine ? { relevant: true, eventId: envelope.id, notification } : { relevant: false };
}

export function formatNotification(notification: RequesterNotifiedV1): string[] {
  const detail = notification.detail ? ` — ${notification.detail}` : '';
  return [`${notification.notifiedAt}  ${notification.outcome}${detail}`, ...formatFieldErrors(notification.errors ?? [])];
}

/**
 * Prints each outcome for the awaited request until a final one arrives or time runs out. The
 * subscription is made before publishing, so an outcome faster than this loop is never missed.
 */
export async function waitForOutcome(
  ctx: CliContext,
  subscription: Subscription,
  submitted: AwaitedSubmission,
  timeoutMs: number,
): Promise<ExitCode> {
  const trust = ctx.trustStore();
  let awaited = submitted;
  const seen = new Set<string>();
  const timer = setTimeout(() => subscription.unsubscribe(), timeoutMs);
  try {
    for await (const message of subscription) {
      const reading = readNotification(trust, message.data, awaited);
      if (!reading.relevant) {
        if (reading.warning) ctx.out.warn(reading.warning);
        continue;
      }
      // The relay may publish an event again after a restart; report each outcome once.
      if (seen.has(reading.eventId)) continue;
      seen.add(reading.eventId);
      const { notification } = reading;
      ctx.out.result({ notification: notification.outcome, eventId: reading.eventId, ...notification }, () =>
        formatNotification(notification),
      );
      // Our submission opened nothing: the pending request it joined decides, and its notices come here too.
      if (notification.outcome === 'joined' && notification.joinedRequestId) {
        awaited = { requestId: notification.joinedRequestId, submissionId: awaited.submissionId };
      }
      const exit = EXIT_FOR_OUTCOME[notification.outcome];
      if (exit !== undefined) return exit;
    }
  } finally {
    clearTimeout(timer);
  }
  ctx.out.error(`no final outcome for ${awaited.requestId} within ${Math.round(timeoutMs / 1000)}s`);
  return ExitCode.timeout;
}
