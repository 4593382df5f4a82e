import { createHmac } from 'node:crypto';
import { SLACK_SIGNATURE_WINDOW_SECONDS, signSlackRequest, verifySlackSignature, type VerifySlackSignatureInput } from './signature';

const SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const NOW = new Date('2026-11-21T10:00:00.000Z');
const NOW_SECONDS = Math.floor(NOW.getTime() / 1000);
const PAYLOAD = { type: 'block_actions', user: { id: 'U0123ABCD' }, actions: [{ action_id: 'countersign.approve' }] };
const BODY = `payload=${encodeURIComponent(JSON.stringify(PAYLOAD))}`;

/** A genuine request, signed the way Slack documents it; each attack changes one thing. */
function genuine(overrides: Partial<VerifySlackSignatureInput> = {}): VerifySlackSignatureInput {
  const timestamp = String(NOW_SECONDS);
  return {
    signingSecret: SECRET,
    timestamp,
    signature: signSlackRequest(SECRET, timestamp, BODY),
    rawBody: Buffer.from(BODY),
    now: NOW,
    ...overrides,
  };
}

function signedAt(offsetSeconds: number): VerifySlackSignatureInput {
  const timestamp = String(NOW_SECONDS + offsetSeconds);
  return genuine({ timestamp, signature: signSlackRequest(SECRET, timestamp, BODY) });
}

describe('signSlackRequest', () => {
  it("matches an HMAC-SHA256 over Slack's v0 basestring, computed independently", () => {
    const expected = createHmac('sha256', SECRET).update(`v0:1531420618:${BODY}`, 'utf8').digest('hex');
    expect(signSlackRequest(SECRET, 1531420618, BODY)).toBe(`v0=${expected}`);
    expect(signSlackRequest(SECRET, '1531420618', Buffer.from(BODY))).toBe(`v0=${expected}`);
  });
});

describe('verifySlackSignature', () => {
  it('accepts a genuine request and returns its timestamp', () => {
    expect(verifySlackSignature(genuine())).toEqual({ ok: true, timestamp: NOW_SECONDS });
  });

  it('accepts timestamps 299 seconds old and 299 seconds ahead, and exactly at the window edge', () => {
    for (const offset of [-299, 299, -SLACK_SIGNATURE_WINDOW_SECONDS, SLACK_SIGNATURE_WINDOW_SECONDS]) {
      expect(verifySlackSignature(signedAt(offset))).toEqual({ ok: true, timestamp: NOW_SECONDS + offset });
    }
  });

  const tamperedBodies: Array<[string, string]> = [
    ['the same JSON re-serialised with other whitespace', `payload=${encodeURIComponent(JSON.stringify(PAYLOAD, null, 2))}`],
    [
      'the same JSON with its keys in another order',
      `payload=${encodeURIComponent(JSON.stringify({ actions: PAYLOAD.actions, user: PAYLOAD.user, type: PAYLOAD.type }))}`,
    ],
    ['a trailing newline added', `${BODY}\n`],
    ['a different body', `payload=${encodeURIComponent(JSON.stringify({ ...PAYLOAD, user: { id: 'U0EVIL' } }))}`],
    ['the body decoded instead of raw', `payload=${JSON.stringify(PAYLOAD)}`],
  ];

  describe('attack corpus: every case is refused with its reason (S5)', () => {
    const cases: Array<{ name: string; input: () => VerifySlackSignatureInput; code: string; field: string }> = [
      {
        name: 'no timestamp header',
        input: () => genuine({ timestamp: undefined }),
        code: 'missing_timestamp',
        field: 'x-slack-request-timestamp',
      },
      {
        name: 'empty timestamp header',
        input: () => genuine({ timestamp: '' }),
        code: 'missing_timestamp',
        field: 'x-slack-request-timestamp',
      },
      {
        name: 'no signature header',
        input: () => genuine({ signature: undefined }),
        code: 'missing_signature',
        field: 'x-slack-signature',
      },
      { name: 'empty signature header', input: () => genuine({ signature: '' }), code: 'missing_signature', field: 'x-slack-signature' },
      {
        name: 'timestamp not a number',
        input: () => genuine({ timestamp: 'yesterday' }),
        code: 'malformed_timestamp',
        field: 'x-slack-request-timestamp',
      },
      {
        name: 'fractional timestamp',
        input: () => genuine({ timestamp: `${NOW_SECONDS}.5` }),
        code: 'malformed_timestamp',
        field: 'x-slack-request-timestamp',
      },
      {
        name: 'negative timestamp',
        input: () => genuine({ timestamp: '-1' }),
        code: 'malformed_timestamp',
        field: 'x-slack-request-timestamp',
      },
      {
        name: 'timestamp 301 seconds old (replay)',
        input: () => signedAt(-301),
        code: 'stale_timestamp',
        field: 'x-slack-request-timestamp',
      },
      { name: 'timestamp a day old', input: () => signedAt(-86_400), code: 'stale_timestamp', field: 'x-slack-request-timestamp' },
      {
        name: 'timestamp 301 seconds in the future',
        input: () => signedAt(301),
        code: 'future_timestamp',
        field: 'x-slack-request-timestamp',
      },
      {
        name: 'a fresh timestamp on an old signature',
        input: () => genuine({ signature: signSlackRequest(SECRET, NOW_SECONDS - 600, BODY) }),
        code: 'bad_signature',
        field: 'x-slack-signature',
      },
      {
        name: 'a v1= version',
        input: () => genuine({ signature: genuine().signature!.replace(/^v0=/, 'v1=') }),
        code: 'unsupported_version',
        field: 'x-slack-signature',
      },
      {
        name: 'no version prefix',
        input: () => genuine({ signature: genuine().signature!.slice(3) }),
        code: 'unsupported_version',
        field: 'x-slack-signature',
      },
      {
        name: 'uppercase hex',
        input: () => genuine({ signature: `v0=${genuine().signature!.slice(3).toUpperCase()}` }),
        code: 'malformed_signature',
        field: 'x-slack-signature',
      },
      {
        name: 'truncated signature',
        input: () => genuine({ signature: genuine().signature!.slice(0, -2) }),
        code: 'malformed_signature',
        field: 'x-slack-signature',
      },
      {
        name: 'signature with an extra byte',
        input: () => genuine({ signature: `${genuine().signature!}00` }),
        code: 'malformed_signature',
        field: 'x-slack-signature',
      },
      {
        name: 'signature with whitespace',
        input: () => genuine({ signature: ` ${genuine().signature!}` }),
        code: 'unsupported_version',
        field: 'x-slack-signature',
      },
      {
        name: 'right hex shape, wrong secret',
        input: () => genuine({ signature: signSlackRequest('another-apps-secret', NOW_SECONDS, BODY) }),
        code: 'bad_signature',
        field: 'x-slack-signature',
      },
      {
        name: 'one flipped hex digit',
        input: () => {
          const good = genuine().signature!;
          const last = good.endsWith('0') ? '1' : '0';
          return genuine({ signature: `${good.slice(0, -1)}${last}` });
        },
        code: 'bad_signature',
        field: 'x-slack-signature',
      },
      {
        name: 'all-zero signature',
        input: () => genuine({ signature: `v0=${'0'.repeat(64)}` }),
        code: 'bad_signature',
        field: 'x-slack-signature',
      },
      ...tamperedBodies.map(([name, body]) => ({
        name: `body tampered: ${name}`,
        input: () => genuine({ rawBody: Buffer.from(body) }),
        code: 'bad_signature',
        field: 'x-slack-signature',
      })),
      {
        name: 'a signature over a different body',
        input: () => genuine({ signature: signSlackRequest(SECRET, NOW_SECONDS, 'payload=%7B%7D') }),
        code: 'bad_signature',
        field: 'x-slack-signature',
      },
      {
        name: 'a verifier clock that cannot be read',
        input: () => genuine({ now: new Date(Number.NaN) }),
        code: 'stale_timestamp',
        field: 'x-slack-request-timestamp',
      },
    ];

    it.each(cases)('$name -> $code', ({ input, code, field }) => {
      const result = verifySlackSignature(input());
      expect(result).toMatchObject({ ok: false, code, field });
      expect(result.ok ? '' : result.message).not.toHaveLength(0);
    });

    it('has distinct case names and covers every refusal code', () => {
      expect(new Set(cases.map((attack) => attack.name)).size).toBe(cases.length);
      const refusals = new Set(cases.map((attack) => attack.code));
      refusals.add('no_signing_secret'); // covered below, because it refuses everything
      expect([...refusals].sort()).toEqual(
        [
          'bad_signature',
          'future_timestamp',
          'malformed_signature',
          'malformed_timestamp',
          'missing_signature',
          'missing_timestamp',
          'no_signing_secret',
          'stale_timestamp',
          'unsupported_version',
        ].sort(),
      );
    });
  });

  it('an empty signing secret refuses everything, even a request signed with the empty secret', () => {
    const signedWithEmpty = genuine({ signingSecret: '', signature: signSlackRequest('', NOW_SECONDS, BODY) });
    for (const input of [signedWithEmpty, genuine({ signingSecret: '' }), genuine({ signingSecret: '', timestamp: undefined })]) {
      expect(verifySlackSignature(input)).toMatchObject({ ok: false, code: 'no_signing_secret' });
    }
  });

  it('verifies the raw bytes, including non-ASCII text', () => {
    const body = Buffer.from(`payload=${encodeURIComponent(JSON.stringify({ reason: 'Grüße — ok ✅' }))}`);
    const timestamp = String(NOW_SECONDS);
    expect(verifySlackSignature(genuine({ rawBody: body, timestamp, signature: signSlackRequest(SECRET, timestamp, body) })).ok).toBe(true);
  });
});
