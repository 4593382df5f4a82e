import { FIXTURE_DIGEST, FIXTURE_RENDERING_DIGEST, FIXTURE_REQUEST_ID } from '@countersign/contracts/testing';
import { parseInteractionForm, parseVoteClick } from './interaction';
import { blockActionsFixture } from './testing/block-actions-fixture';

const REMOVE = Symbol('remove');
const ACTION = blockActionsFixture()['actions'] as Array<Record<string, unknown>>;
const REASON_PATH = 'state.values.countersign\\.reason.reason.value';

/** The fixture with fields set (or removed) by dotted path; `\\.` is a literal dot in a key. */
function clickWith(edits: Record<string, unknown>): Record<string, unknown> {
  const payload = blockActionsFixture();
  for (const [path, value] of Object.entries(edits)) {
    const keys = path.split(/(?<!\\)\./).map((key) => key.replace(/\\\./g, '.'));
    const last = keys.pop()!;
    const parent = keys.reduce<Record<string, unknown>>((node, key) => node[key] as Record<string, unknown>, payload);
    if (value === REMOVE) delete parent[last];
    else parent[last] = value;
  }
  return payload;
}

describe('parseInteractionForm', () => {
  it("reads Slack's form body: one `payload` field holding JSON", () => {
    const payload = blockActionsFixture();
    const body = Buffer.from(new URLSearchParams({ payload: JSON.stringify(payload) }).toString());
    expect(parseInteractionForm(body)).toEqual({ ok: true, payload });
  });

  it.each([
    ['an empty body', ''],
    ['a JSON body', JSON.stringify({ payload: {} })],
    ['another field only', 'command=%2Fdeploy'],
    ['an empty payload', 'payload='],
    ['two payload fields', 'payload=%7B%7D&payload=%7B%7D'],
  ])('refuses %s as malformed_form', (_name, body) => {
    expect(parseInteractionForm(Buffer.from(body))).toMatchObject({ ok: false, error: { code: 'malformed_form', field: 'payload' } });
  });

  it('refuses a payload that is not JSON', () => {
    expect(parseInteractionForm(Buffer.from('payload=%7Bnope'))).toMatchObject({
      ok: false,
      error: { code: 'malformed_json', field: 'payload' },
    });
  });
});

describe('parseVoteClick', () => {
  it("turns Slack's block_actions payload into a vote click", () => {
    expect(parseVoteClick(blockActionsFixture())).toEqual({
      ok: true,
      click: {
        teamId: 'T9TK3CUKW',
        userId: 'UA8RXUSPL',
        userName: 'jtorrance',
        actionTs: '1548426417.840180',
        decision: 'approve',
        requestId: FIXTURE_REQUEST_ID,
        digest: FIXTURE_DIGEST,
        renderingDigest: FIXTURE_RENDERING_DIGEST,
        reason: 'change ticket CHG-118',
        channelId: 'CBR2V3XEX',
        messageTs: '1548261231.000200',
        responseUrl: 'https://hooks.slack.com/actions/AABA1ABCD/1232321423432/D09sSasdasdAS9091209',
        triggerId: '12321423423.333649436676.d8c1bb837935619ccad0f624c448ffb3',
      },
    });
  });

  it('refuses a payload nested deeper than the external limit before the schema reads it', () => {
    let deep: unknown = 'x';
    for (let level = 0; level < 5_000; level += 1) deep = { deep };
    const result = parseVoteClick({ ...blockActionsFixture(), state: { values: deep } });
    expect(result).toEqual({
      ok: false,
      error: { code: 'invalid_payload', field: expect.stringMatching(/^state\.values/), message: expect.stringMatching(/^too_deep: /) },
    });
  });

  it('refuses a __proto__ key anywhere in the payload', () => {
    const hostile = JSON.parse('{"message":{"ts":"1548261231.000200","__proto__":{"x":1}}}') as Record<string, unknown>;
    const result = parseVoteClick({ ...blockActionsFixture(), ...hostile });
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid_payload', field: 'message.__proto__' } });
  });

  it('reads a Deny click', () => {
    const result = parseVoteClick(clickWith({ 'actions.0.action_id': 'countersign.deny' }));
    expect(result).toMatchObject({ ok: true, click: { decision: 'deny' } });
  });

  it('treats a blank or missing reason as none', () => {
    const blank = parseVoteClick(clickWith({ [REASON_PATH]: '   ' }));
    const empty = parseVoteClick(clickWith({ [REASON_PATH]: null }));
    const noState = parseVoteClick(clickWith({ state: REMOVE }));
    for (const result of [blank, empty, noState]) {
      expect(result.ok).toBe(true);
      expect(result.ok && 'reason' in result.click).toBe(false);
    }
  });

  it('falls back to user.name and leaves optional fields out when Slack did not send them', () => {
    const result = parseVoteClick(clickWith({ 'user.username': REMOVE, response_url: REMOVE }));
    expect(result).toMatchObject({ ok: true, click: { userName: 'jtorrance' } });
    expect(result.ok && 'responseUrl' in result.click).toBe(false);
  });

  describe('hostile and foreign payloads', () => {
    const cases: Array<{ name: string; edits: Record<string, unknown>; code: string; field: string }> = [
      { name: 'missing user', edits: { user: REMOVE }, code: 'invalid_payload', field: 'user' },
      { name: 'user id of the wrong shape', edits: { 'user.id': 'BOT123' }, code: 'invalid_payload', field: 'user.id' },
      { name: 'lowercase user id', edits: { 'user.id': 'ua8rxuspl' }, code: 'invalid_payload', field: 'user.id' },
      { name: 'team id of the wrong shape', edits: { 'team.id': 'X123' }, code: 'invalid_payload', field: 'team.id' },
      { name: 'missing team', edits: { team: REMOVE }, code: 'invalid_payload', field: 'team' },
      {
        name: 'unknown action_id',
        edits: { 'actions.0.action_id': 'countersign.approve_all' },
        code: 'unknown_action',
        field: 'actions.0.action_id',
      },
      { name: 'inherited action_id', edits: { 'actions.0.action_id': 'toString' }, code: 'unknown_action', field: 'actions.0.action_id' },
      {
        name: 'our action_id in a foreign block',
        edits: { 'actions.0.block_id': 'other.block' },
        code: 'unknown_action',
        field: 'actions.0.action_id',
      },
      { name: 'a non-button action', edits: { 'actions.0.type': 'static_select' }, code: 'invalid_payload', field: 'actions.0.type' },
      { name: 'no actions', edits: { actions: [] }, code: 'invalid_payload', field: 'actions' },
      {
        name: 'two actions in one click',
        edits: { 'actions.1': { ...ACTION[0], action_id: 'countersign.deny' } },
        code: 'invalid_payload',
        field: 'actions',
      },
      {
        name: 'value without a rendering digest (a card from before renderings)',
        edits: { 'actions.0.value': `${FIXTURE_REQUEST_ID}:${FIXTURE_DIGEST}` },
        code: 'invalid_payload',
        field: 'actions.0.value',
      },
      {
        name: 'value without a digest',
        edits: { 'actions.0.value': FIXTURE_REQUEST_ID },
        code: 'invalid_payload',
        field: 'actions.0.value',
      },
      {
        name: 'value with an extra part',
        edits: { 'actions.0.value': `${FIXTURE_REQUEST_ID}:${FIXTURE_DIGEST}:${FIXTURE_RENDERING_DIGEST}:extra` },
        code: 'invalid_payload',
        field: 'actions.0.value',
      },
      {
        name: 'value with a prefixed digest',
        edits: { 'actions.0.value': `${FIXTURE_REQUEST_ID}:sha256:${FIXTURE_DIGEST}:${FIXTURE_RENDERING_DIGEST}` },
        code: 'invalid_payload',
        field: 'actions.0.value',
      },
      {
        name: 'value with an uppercase digest',
        edits: { 'actions.0.value': `${FIXTURE_REQUEST_ID}:${FIXTURE_DIGEST}:${FIXTURE_RENDERING_DIGEST.toUpperCase()}` },
        code: 'invalid_payload',
        field: 'actions.0.value',
      },
      {
        name: 'value with a request id that is no uuid',
        edits: { 'actions.0.value': `req-1:${FIXTURE_DIGEST}:${FIXTURE_RENDERING_DIGEST}` },
        code: 'invalid_payload',
        field: 'actions.0.value',
      },
      { name: 'missing value', edits: { 'actions.0.value': REMOVE }, code: 'invalid_payload', field: 'actions.0.value' },
      { name: 'malformed action_ts', edits: { 'actions.0.action_ts': 'now' }, code: 'invalid_payload', field: 'actions.0.action_ts' },
      {
        name: 'reason too long',
        edits: { [REASON_PATH]: 'x'.repeat(501) },
        code: 'invalid_payload',
        field: 'state.values.countersign.reason.reason.value',
      },
      {
        name: 'reason not a string',
        edits: { [REASON_PATH]: 42 },
        code: 'invalid_payload',
        field: 'state.values.countersign.reason.reason.value',
      },
      {
        name: 'a click in an attachment, not our message',
        edits: { 'container.type': 'message_attachment' },
        code: 'invalid_payload',
        field: 'container.type',
      },
      { name: 'missing trigger_id', edits: { trigger_id: REMOVE }, code: 'invalid_payload', field: 'trigger_id' },
      {
        name: 'a response_url that is not https',
        edits: { response_url: 'http://169.254.169.254/latest' },
        code: 'invalid_payload',
        field: 'response_url',
      },
      { name: 'a view_submission', edits: { type: 'view_submission' }, code: 'unknown_action', field: 'type' },
      { name: 'a shortcut', edits: { type: 'shortcut' }, code: 'unknown_action', field: 'type' },
    ];

    it.each(cases)('$name -> $code at $field', ({ edits, code, field }) => {
      expect(parseVoteClick(clickWith(edits))).toMatchObject({ ok: false, error: { code, field } });
    });

    it.each([null, undefined, 'payload', 42, [], [blockActionsFixture()]])('refuses %p', (payload) => {
      expect(parseVoteClick(payload)).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
    });

    it('accepts a reason of exactly 500 characters', () => {
      const reason = 'r'.repeat(500);
      const result = parseVoteClick(clickWith({ [REASON_PATH]: reason }));
      expect(result).toMatchObject({ ok: true, click: { reason } });
    });
  });

  describe('prototype pollution', () => {
    const hostileJson = JSON.stringify(blockActionsFixture()).replace(
      '"state":{"values":{',
      '"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"state":{"values":{"__proto__":{"reason":{"type":"plain_text_input","value":"from the prototype"}},"constructor":{"prototype":{"type":"x","value":"y"}},',
    );

    afterEach(() => {
      expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
      expect(Object.prototype).not.toHaveProperty('reason');
    });

    it('the hostile keys are really in the payload', () => {
      expect(hostileJson).toContain('"__proto__":{"reason"');
      const parsed = JSON.parse(hostileJson) as { state: { values: object } };
      expect(Object.hasOwn(parsed.state.values, '__proto__')).toBe(true);
    });

    // One rule with every other ingress (docs/protocol.md, Limits): a __proto__ key is refused,
    // never silently dropped, so what is read is what Slack signed.
    it('refuses the payload, names the key, and leaves Object.prototype alone', () => {
      const result = parseVoteClick(JSON.parse(hostileJson));
      expect(result).toMatchObject({ ok: false, error: { code: 'invalid_payload', message: expect.stringMatching(/^forbidden_key: /) } });
    });

    it('never takes a reason from a prototype', () => {
      const withoutProto = hostileJson
        .replace('"__proto__":{"polluted":"yes"},', '')
        .replace('"__proto__":{"reason":{"type":"plain_text_input","value":"from the prototype"}},', '');
      const withoutOwnReason = withoutProto.replace(
        '"countersign.reason":{"reason":{"type":"plain_text_input","value":"  change ticket CHG-118  "}}',
        '"other":{}',
      );
      expect(withoutOwnReason).not.toContain('CHG-118');
      const result = parseVoteClick(JSON.parse(withoutOwnReason));
      expect(result.ok).toBe(true);
      expect(result.ok && result.click.reason).toBeUndefined();
    });

    it('refuses a form body carrying the same keys', () => {
      const form = parseInteractionForm(Buffer.from(new URLSearchParams({ payload: hostileJson }).toString()));
      expect(form.ok).toBe(true);
      expect(parseVoteClick(form.ok ? form.payload : undefined)).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
    });
  });
});
