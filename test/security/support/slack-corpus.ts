import { randomBytes } from 'node:crypto';
import { signSlackRequest } from '@countersign/slack';
import { signedInteractionRequest } from '@countersign/slack/testing';
import { actionTsOf, nowSeconds, sha256, type Payload, type SignedRequest } from './slack-edge';

/** The corpus's table rows: one per attack class. */
export const CORPUS_ROWS = {
  headers: 'slack http: a genuine click with a signature header missing (timestamp, signature, both)',
  secret: 'slack http: signed with a wrong secret, or a signature over another genuine body',
  window: 'slack http: timestamp outside 300 s (301 s, 1 h, 1 d old; 301 s, 1 h ahead)',
  body: 'slack http: body changed after signing (re-serialised 3 ways, bytes appended, emptied)',
  spelling: 'slack http: signature spelled otherwise (v1=, uppercase hex, truncated)',
  form: 'slack http: not a Slack form (genuine body as text/plain or JSON; empty body signed)',
  parser: 'slack http: refused before it is read (body over 256 KiB, unknown Content-Encoding)',
} as const;
export type CorpusRow = keyof typeof CORPUS_ROWS;

export interface Forged {
  variant: string;
  row: CorpusRow;
  /** What refuses it: 401, or 400 where the body is what is wrong (the signature may even hold). */
  statuses: readonly number[];
  /** The refusal code the edge must give, where exactly one is right. */
  code?: string;
  request: SignedRequest;
  /**
   * The bytes the edge hashes into its refusal record: the body, or null where the body parser
   * refused the request before any byte was kept (the record then has no hash).
   */
  seenBody: string | null;
  /** Slack's action_ts of the click it was made from: no vote may ever carry it. */
  actionTs: string;
}

/** Two genuine clicks on the same card by the same person, and the app's real signing secret. */
export interface Genuine {
  payload: Payload;
  other: Payload;
  secret: string;
}

/** Two fresh genuine clicks for each variant, so that no two attempts share a body or a signature. */
export type Clicks = ReadonlyArray<Pick<Genuine, 'payload' | 'other'>>;

const FORM = 'application/x-www-form-urlencoded';
const TIMESTAMP = 'X-Slack-Request-Timestamp';
const SIGNATURE = 'X-Slack-Signature';
const HOUR = 3_600;

const form = (json: string): string => new URLSearchParams({ payload: json }).toString();
const without = (headers: Record<string, string>, ...names: string[]) =>
  Object.fromEntries(Object.entries(headers).filter(([name]) => !names.includes(name)));
const reversedKeys = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(reversedKeys)
    : value !== null && typeof value === 'object'
      ? Object.fromEntries(
          Object.entries(value)
            .reverse()
            .map(([key, inner]) => [key, reversedKeys(inner)]),
        )
      : value;

type Build = (g: Genuine, signed: SignedRequest) => { request: SignedRequest; seenBody?: string | null };

interface Variant {
  name: string;
  row: CorpusRow;
  statuses?: readonly number[];
  code?: string;
  build: Build;
}

const usedForEmptyBodies = new Set<number>();
/**
 * The same empty body signed twice at the same second is the same request (one refusal record, by
 * design); each attempt gets a timestamp of its own, going back from now (still well inside 300 s).
 */
function unusedTimestamp(): number {
  let timestamp = nowSeconds();
  while (usedForEmptyBodies.has(timestamp)) timestamp -= 1;
  usedForEmptyBodies.add(timestamp);
  return timestamp;
}

/** A body that must differ from the signed one, or the variant is no attack at all. */
const altered = (signed: SignedRequest, body: string): SignedRequest => {
  if (body === signed.body) throw new Error('the re-serialised body equals the signed one: not an attack');
  return { headers: signed.headers, body };
};

const at = (g: Genuine, timestamp: number): { request: SignedRequest } => ({
  request: signedInteractionRequest(g.secret, g.payload, timestamp),
});

const VARIANTS: Variant[] = [
  {
    name: 'missing timestamp header',
    row: 'headers',
    code: 'missing_timestamp',
    build: (_, s) => ({ request: { ...s, headers: without(s.headers, TIMESTAMP) } }),
  },
  {
    name: 'missing signature header',
    row: 'headers',
    code: 'missing_signature',
    build: (_, s) => ({ request: { ...s, headers: without(s.headers, SIGNATURE) } }),
  },
  {
    name: 'both headers missing',
    row: 'headers',
    code: 'missing_timestamp',
    build: (_, s) => ({ request: { ...s, headers: without(s.headers, TIMESTAMP, SIGNATURE) } }),
  },
  {
    name: 'wrong secret',
    row: 'secret',
    code: 'bad_signature',
    build: (g) => ({ request: signedInteractionRequest(randomBytes(32).toString('hex'), g.payload, nowSeconds()) }),
  },
  {
    name: 'signature over a different body',
    row: 'secret',
    code: 'bad_signature',
    build: (g, s) => ({ request: { headers: signedInteractionRequest(g.secret, g.other, nowSeconds()).headers, body: s.body } }),
  },
  { name: 'timestamp 301 s old', row: 'window', code: 'stale_timestamp', build: (g) => at(g, nowSeconds() - 301) },
  { name: 'timestamp 1 h old', row: 'window', code: 'stale_timestamp', build: (g) => at(g, nowSeconds() - HOUR) },
  { name: 'timestamp 1 day old', row: 'window', code: 'stale_timestamp', build: (g) => at(g, nowSeconds() - 24 * HOUR) },
  // Rounded up: more than 301 s ahead when signed, so still more than 300 s ahead on arrival within a second.
  { name: 'timestamp 301 s ahead', row: 'window', code: 'future_timestamp', build: (g) => at(g, Math.ceil(Date.now() / 1000) + 301) },
  { name: 'timestamp 1 h ahead', row: 'window', code: 'future_timestamp', build: (g) => at(g, nowSeconds() + HOUR) },
  {
    name: 're-serialised: indented JSON',
    row: 'body',
    code: 'bad_signature',
    build: (g, s) => ({ request: altered(s, form(JSON.stringify(g.payload, null, 2))) }),
  },
  {
    name: 're-serialised: %20-encoded form',
    row: 'body',
    code: 'bad_signature',
    build: (g, s) => ({ request: altered(s, `payload=${encodeURIComponent(JSON.stringify(g.payload))}`) }),
  },
  {
    name: 're-serialised: keys in another order',
    row: 'body',
    code: 'bad_signature',
    build: (g, s) => ({ request: altered(s, form(JSON.stringify(reversedKeys(g.payload)))) }),
  },
  { name: 'bytes appended to the body', row: 'body', code: 'bad_signature', build: (_, s) => ({ request: altered(s, `${s.body}&x=1`) }) },
  { name: 'empty body, headers of a genuine one', row: 'body', code: 'bad_signature', build: (_, s) => ({ request: altered(s, '') }) },
  {
    name: 'v1= version',
    row: 'spelling',
    code: 'unsupported_version',
    build: (_, s) => ({ request: { ...s, headers: { ...s.headers, [SIGNATURE]: s.headers[SIGNATURE]!.replace(/^v0=/, 'v1=') } } }),
  },
  {
    name: 'uppercase hex',
    row: 'spelling',
    code: 'malformed_signature',
    build: (_, s) => ({ request: { ...s, headers: { ...s.headers, [SIGNATURE]: `v0=${s.headers[SIGNATURE]!.slice(3).toUpperCase()}` } } }),
  },
  {
    name: 'truncated signature',
    row: 'spelling',
    code: 'malformed_signature',
    build: (_, s) => ({ request: { ...s, headers: { ...s.headers, [SIGNATURE]: s.headers[SIGNATURE]!.slice(0, -8) } } }),
  },
  {
    name: 'genuine body sent as text/plain',
    row: 'form',
    statuses: [400],
    code: 'unsupported_content_type',
    build: (_, s) => ({ request: { ...s, headers: { ...s.headers, 'Content-Type': 'text/plain' } } }),
  },
  {
    name: 'genuine body sent as application/json',
    row: 'form',
    statuses: [400],
    code: 'unsupported_content_type',
    build: (_, s) => ({ request: { ...s, headers: { ...s.headers, 'Content-Type': 'application/json' } } }),
  },
  {
    name: 'empty body signed with the real secret',
    row: 'form',
    statuses: [400],
    code: 'malformed_form',
    build: (g) => {
      const timestamp = unusedTimestamp();
      const headers = { 'Content-Type': FORM, [TIMESTAMP]: String(timestamp), [SIGNATURE]: signSlackRequest(g.secret, timestamp, '') };
      return { request: { headers, body: '' } };
    },
  },
  {
    name: 'signed body over the 256 KiB limit',
    row: 'parser',
    statuses: [413],
    code: 'body_too_large',
    build: (g) => {
      const timestamp = unusedTimestamp();
      const body = `${form(JSON.stringify(g.payload))}&pad=${'x'.repeat(300 * 1024)}`;
      const headers = { 'Content-Type': FORM, [TIMESTAMP]: String(timestamp), [SIGNATURE]: signSlackRequest(g.secret, timestamp, body) };
      return { request: { headers, body }, seenBody: null };
    },
  },
  {
    name: 'genuine click with an unknown Content-Encoding',
    row: 'parser',
    statuses: [415],
    code: 'unsupported_encoding',
    build: (_, s) => ({ request: { ...s, headers: { ...s.headers, 'Content-Encoding': 'x-bogus' } }, seenBody: null }),
  },
];

/** Every variant, each from its own genuine clicks, built just before they are sent (timestamps are live). */
export function forgeAll(clicks: Clicks, secret: string): Forged[] {
  if (clicks.length !== VARIANTS.length) throw new Error(`need ${VARIANTS.length} pairs of clicks, got ${clicks.length}`);
  return VARIANTS.map(({ name, row, statuses = [401], code, build }, index) => {
    const genuine = { ...clicks[index]!, secret };
    const signed = signedInteractionRequest(secret, genuine.payload, nowSeconds());
    const { request, seenBody } = build(genuine, signed);
    const seen = seenBody === undefined ? request.body : seenBody;
    const base = { variant: name, row, statuses, request, seenBody: seen, actionTs: actionTsOf(genuine.payload) };
    return code ? { ...base, code } : base;
  });
}

export const VARIANT_COUNT = VARIANTS.length;

/** `{error, message, errors: [{path, code, message}]}`: how docs/slack.md says the edge answers a refused request. */
export function documentedRefusal(body: Record<string, unknown>): boolean {
  const errors = body.errors;
  return (
    typeof body.error === 'string' &&
    typeof body.message === 'string' &&
    Array.isArray(errors) &&
    errors.length > 0 &&
    (errors as Array<Record<string, unknown>>).every((error) => ['path', 'code', 'message'].every((key) => typeof error[key] === 'string'))
  );
}

/**
 * Pairs each attempt with one record of the edge's `slack-refusals` stream carrying the code it was
 * answered with and the SHA-256 of the body the edge read; a record is claimed once.
 */
export function recordedRefusals<T extends Pick<Forged, 'seenBody'> & { answer: { body: Record<string, unknown> } }>(
  records: ReadonlyArray<{ data: Record<string, unknown> }>,
  attempts: readonly T[],
): Set<T> {
  const unclaimed = new Map<string, number>();
  for (const { data } of records) {
    const key = `${String(data.code)}:${String(data.bodySha256)}`;
    unclaimed.set(key, (unclaimed.get(key) ?? 0) + 1);
  }
  const matched = new Set<T>();
  for (const attempt of attempts) {
    const key = `${String(attempt.answer.body.error)}:${attempt.seenBody === null ? 'undefined' : sha256(attempt.seenBody)}`;
    const left = unclaimed.get(key) ?? 0;
    if (left === 0) continue;
    unclaimed.set(key, left - 1);
    matched.add(attempt);
  }
  return matched;
}
