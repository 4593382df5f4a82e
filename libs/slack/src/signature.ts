import { createHmac, timingSafeEqual } from 'node:crypto';
import { errorMessage } from '@countersign/contracts';

/** How far a request's timestamp may be from our clock, either way, before it is refused. */
export const SLACK_SIGNATURE_WINDOW_SECONDS = 300;

export type SlackSignatureRefusal =
  | 'missing_timestamp'
  | 'missing_signature'
  | 'malformed_timestamp'
  | 'stale_timestamp'
  | 'future_timestamp'
  | 'unsupported_version'
  | 'malformed_signature'
  | 'bad_signature'
  | 'no_signing_secret';

export type SlackSignatureCheck =
  | { ok: true; timestamp: number }
  | {
      ok: false;
      code: SlackSignatureRefusal;
      field: 'x-slack-signature' | 'x-slack-request-timestamp';
      message: string;
    };

type Refused = Extract<SlackSignatureCheck, { ok: false }>;

const VERSION_PREFIX = 'v0=';
const TIMESTAMP = /^\d{1,12}$/;
const HEX_SHA256 = /^[0-9a-f]{64}$/;

/**
 * Slack's request signature, v0: HMAC-SHA256 over `v0:{timestamp}:{raw body}` with the app's
 * signing secret. The timestamp is used exactly as given (the header's text), as Slack does.
 */
export function signSlackRequest(signingSecret: string, timestampSeconds: number | string, rawBody: string | Buffer): string {
  return `${VERSION_PREFIX}${hmacHex(signingSecret, String(timestampSeconds), rawBody)}`;
}

export interface VerifySlackSignatureInput {
  signingSecret: string;
  /** The `X-Slack-Request-Timestamp` header (the first value, if Node gave an array). */
  timestamp: string | undefined;
  /** The `X-Slack-Signature` header (the first value, if Node gave an array). */
  signature: string | undefined;
  /** The body exactly as received: a re-serialised body never verifies. */
  rawBody: Buffer;
  now: Date;
}

/**
 * Verifies a request from Slack. Fails closed: no secret, a missing or malformed header, a
 * timestamp outside the window either way, or any exception is a refusal, never a pass.
 */
export function verifySlackSignature(input: VerifySlackSignatureInput): SlackSignatureCheck {
  try {
    return checkHeaders(input) ?? checkMac(input);
  } catch (error) {
    return refuse('bad_signature', 'x-slack-signature', `verification failed: ${errorMessage(error)}`);
  }
}

function checkHeaders({ signingSecret, timestamp, signature: header }: VerifySlackSignatureInput): Refused | undefined {
  if (typeof signingSecret !== 'string' || signingSecret.length === 0) {
    return refuse('no_signing_secret', 'x-slack-signature', 'no signing secret is configured, so nothing can be verified');
  }
  if (typeof timestamp !== 'string' || timestamp.length === 0) {
    return refuse('missing_timestamp', 'x-slack-request-timestamp', 'the X-Slack-Request-Timestamp header is missing');
  }
  if (typeof header !== 'string' || header.length === 0) {
    return refuse('missing_signature', 'x-slack-signature', 'the X-Slack-Signature header is missing');
  }
  if (!TIMESTAMP.test(timestamp)) {
    return refuse('malformed_timestamp', 'x-slack-request-timestamp', 'the timestamp must be whole seconds since the epoch');
  }
  return undefined;
}

function checkMac(input: VerifySlackSignatureInput): SlackSignatureCheck {
  const timestamp = Number(input.timestamp);
  const window = checkWindow(timestamp, input.now);
  if (window) return window;
  const header = input.signature ?? '';
  if (!header.startsWith(VERSION_PREFIX)) {
    return refuse('unsupported_version', 'x-slack-signature', 'only v0 signatures are supported');
  }
  const given = header.slice(VERSION_PREFIX.length);
  if (!HEX_SHA256.test(given)) {
    return refuse('malformed_signature', 'x-slack-signature', 'a v0 signature is 64 lowercase hex characters');
  }
  const expected = Buffer.from(hmacHex(input.signingSecret, input.timestamp ?? '', input.rawBody), 'hex');
  // Both sides are 32 bytes here (checked above), so timingSafeEqual cannot throw on length.
  if (!timingSafeEqual(Buffer.from(given, 'hex'), expected)) {
    return refuse('bad_signature', 'x-slack-signature', 'the signature does not match the body');
  }
  return { ok: true, timestamp };
}

/** Replays are bounded by the window; a clock we cannot read must not switch the check off. */
function checkWindow(timestamp: number, now: Date): Refused | undefined {
  const nowSeconds = Math.floor(now.getTime() / 1000);
  if (!Number.isFinite(nowSeconds)) {
    return refuse('stale_timestamp', 'x-slack-request-timestamp', 'cannot check freshness: the verifier clock is invalid');
  }
  if (nowSeconds - timestamp > SLACK_SIGNATURE_WINDOW_SECONDS) {
    return refuse('stale_timestamp', 'x-slack-request-timestamp', `older than ${SLACK_SIGNATURE_WINDOW_SECONDS} seconds`);
  }
  if (timestamp - nowSeconds > SLACK_SIGNATURE_WINDOW_SECONDS) {
    return refuse(
      'future_timestamp',
      'x-slack-request-timestamp',
      `more than ${SLACK_SIGNATURE_WINDOW_SECONDS} seconds ahead of our clock`,
    );
  }
  return undefined;
}

function hmacHex(signingSecret: string, timestamp: string, rawBody: string | Buffer): string {
  return createHmac('sha256', signingSecret).update(`v0:${timestamp}:`).update(rawBody).digest('hex');
}

function refuse(code: SlackSignatureRefusal, field: Refused['field'], message: string): Refused {
  return { ok: false, code, field, message };
}
