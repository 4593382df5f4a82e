import type { CanonicalAction } from './action';
import { actionRenderingDigest, renderAction, renderingDigest, RENDERING_FORMAT } from './action-rendering';
import { sha256Hex } from './canonical';
import { InputLimitError } from './input-limits';
import { fixtureAction } from './testing';

const withParameters = (parameters: Record<string, unknown>): CanonicalAction => ({ ...fixtureAction, parameters });

describe('renderAction', () => {
  it('renders every field of the action, one per line, strings quoted', () => {
    const action: CanonicalAction = {
      ...fixtureAction,
      amount: { value: '12500.00', currency: 'EUR' },
      intent: { ticket: 'CHG-1042', rollbackPlan: 'redeploy v41' },
      breakGlass: true,
      parameters: { method: 'POST', path: '/migrate', body: { dryRun: false, rows: [1, null] }, empty: {}, none: [] },
    };
    expect(renderAction(action)).toBe(
      [
        RENDERING_FORMAT,
        'request id: "0b6c8a52-3f1e-4d1a-9c57-6a1f0e2d4b11"',
        'kind: "http.request"',
        'target: "demo-target"',
        'target address: "http://127.0.0.1:4380"',
        'environment: "staging"',
        'data sensitivity: "confidential"',
        'owner team: "platform"',
        'break-glass: true',
        'window: "2026-11-21T09:59:00.000Z" to "2026-11-21T11:00:00.000Z"',
        'amount: "12500.00" "EUR"',
        'intent:',
        '  rollbackPlan: "redeploy v41"',
        '  ticket: "CHG-1042"',
        'parameters:',
        '  body:',
        '    dryRun: false',
        '    rows: (2 items)',
        '      [0]: 1',
        '      [1]: null',
        '  empty: {} (no fields)',
        '  method: "POST"',
        '  none: [] (no items)',
        '  path: "/migrate"',
      ].join('\n'),
    );
  });

  it('says so when there is no amount and no change intent, rather than leaving them out', () => {
    const text = renderAction(fixtureAction);
    expect(text).toContain('\namount: none\n');
    expect(text).toContain('\nintent: {} (no fields)\n');
  });

  it('is deterministic: the order keys were written in does not matter', () => {
    const a = withParameters({ b: 1, a: { y: 2, x: 3 } });
    const b = withParameters({ a: { x: 3, y: 2 }, b: 1 });
    expect(renderAction(a)).toBe(renderAction(b));
  });

  it('never truncates: a 4,096-character value is there in full', () => {
    const long = 'x'.repeat(4096);
    expect(renderAction(withParameters({ long }))).toContain(`  long: "${long}"`);
  });

  it('shows whatever a later contract adds, under its own key', () => {
    const action = { ...fixtureAction, futureField: 'shown' } as CanonicalAction;
    expect(renderAction(action).split('\n').at(-1)).toBe('futureField: "shown"');
  });

  it('refuses nesting deeper than canonicalJson does', () => {
    let deep: unknown = 1;
    for (let level = 0; level < 200; level++) deep = { d: deep };
    expect(() => renderAction(withParameters({ deep }))).toThrow(InputLimitError);
  });
});

describe('renderAction against hostile strings', () => {
  const lines = (parameters: Record<string, unknown>) => renderAction(withParameters(parameters)).split('\n');
  const baseline = renderAction(withParameters({ note: '' })).split('\n').length;

  it.each([
    ['a newline', 'ok\nenvironment: "production"', 'ok\\u000aenvironment: \\"production\\"'],
    ['a carriage return', 'ok\r  amount: "0.00" "EUR"', 'ok\\u000d  amount: \\"0.00\\" \\"EUR\\"'],
    ['a Unicode line separator', 'a\u2028b\u2029c\u0085d', 'a\\u2028b\\u2029c\\u0085d'],
    ['a bidirectional override', 'safe\u202Eeteled', 'safe\\u202eeteled'],
    ['a zero-width space', 'ad\u200Bmin', 'ad\\u200bmin'],
    ['a look-alike Cyrillic letter', '\u0430dmin', '\\u0430dmin'],
    ['an emoji (a surrogate pair)', 'ok 🚀', 'ok \\ud83d\\ude80'],
    ['a lone surrogate', 'x\uD800y', 'x\\ud800y'],
    ['a non-breaking space', 'a\u00A0b', 'a\\u00a0b'],
    ['an ANSI escape sequence', '\u001b[2K\u001b[1A', '\\u001b[2K\\u001b[1A'],
    ['a code fence', '```\nfake', '\\u0060\\u0060\\u0060\\u000afake'],
    ['a fake escape', 'a\\u000ab', 'a\\\\u000ab'],
    ['a closing quote', 'a" approved: "yes', 'a\\" approved: \\"yes'],
  ])('escapes %s, and adds no line', (_case, value, shown) => {
    const rendered = lines({ note: value });
    expect(rendered).toHaveLength(baseline);
    expect(rendered).toContain(`  note: "${shown}"`);
  });

  it('quotes a key that could pose as structure', () => {
    const rendered = lines({ '[0]': 1, 'a: b': 2, 'x\ny': 3, plain_key: 4 });
    expect(rendered).toEqual(expect.arrayContaining(['  "[0]": 1', '  "a: b": 2', '  "x\\u000ay": 3', '  plain_key: 4']));
  });

  it('tells a string from the number, boolean or null it spells', () => {
    const rendered = lines({ a: 'true', b: true, c: '1', d: 1, e: 'null', f: null });
    expect(rendered).toEqual(expect.arrayContaining(['  a: "true"', '  b: true', '  c: "1"', '  d: 1', '  e: "null"', '  f: null']));
  });

  it('is printable ASCII only, whatever the parameters hold', () => {
    const text = renderAction(withParameters({ all: Array.from({ length: 100 }, (_, i) => String.fromCharCode(i * 655)).join('') }));
    expect(text).toMatch(/^[\x20-\x7e\n]*$/);
  });
});

describe('renderingDigest', () => {
  it('is the lowercase hex SHA-256 of the text, the action digest’s format', () => {
    expect(renderingDigest('abc')).toBe(sha256Hex('abc'));
    expect(renderingDigest('abc')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('changes with any parameter, and is the digest of the rendering', () => {
    const one = actionRenderingDigest(withParameters({ a: 'x' }));
    expect(one).toBe(renderingDigest(renderAction(withParameters({ a: 'x' }))));
    expect(actionRenderingDigest(withParameters({ a: 'y' }))).not.toBe(one);
  });
});

describe('the worked example in docs/protocol.md, "What the approver saw"', () => {
  it('has the rendering digest the document prints', () => {
    const action: CanonicalAction = {
      kind: 'http.request',
      target: 'demo-target',
      environment: 'production',
      dataSensitivity: 'confidential',
      ownerTeam: 'platform',
      targetAddress: 'http://127.0.0.1:4380',
      parameters: { method: 'POST', path: '/deploy', body: { version: '4.2.0' } },
      intent: { ticket: 'CHG-1042', expectedOutcome: 'version 4.2.0 serves traffic', rollbackPlan: 'redeploy 4.1.9' },
      window: { notBefore: '2026-11-21T10:00:00.000Z', notAfter: '2026-11-21T10:15:00.000Z' },
      requestId: '0f9c6a57-2a4e-4c1b-9f3e-5d2a8c1e7b44',
    };
    expect(actionRenderingDigest(action)).toBe('0d786706b0d0fbe60fadd651d124bf0001129572b0e29d1c871b0267fe2f109a');
  });
});
