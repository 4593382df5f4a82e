import { canonicalJson, CANONICAL_MAX_DEPTH } from './canonical';
import { ENVELOPE_LIMITS, EXTERNAL_ENVELOPE_LIMITS, InputLimitError, bytesLimitProblem, inputLimitProblem } from './input-limits';
import { parseJson } from './validation';

/** `[[[...]]]` or `{"a":{"a":...}}` nested `depth` levels, built without recursion. */
function nested(depth: number, kind: 'array' | 'object' = 'array'): unknown {
  let value: unknown = 0;
  for (let level = 0; level < depth; level += 1) value = kind === 'array' ? [value] : { a: value };
  return value;
}

describe('inputLimitProblem', () => {
  it('accepts a value exactly at the depth limit and names the first level beyond it', () => {
    expect(inputLimitProblem(nested(ENVELOPE_LIMITS.maxDepth))).toBeUndefined();
    expect(inputLimitProblem(nested(ENVELOPE_LIMITS.maxDepth + 1, 'object'))).toMatchObject({
      code: 'too_deep',
      path: `a${'.a'.repeat(ENVELOPE_LIMITS.maxDepth - 1)}`,
      message: `nesting exceeds the limit of ${ENVELOPE_LIMITS.maxDepth} levels`,
    });
  });

  it('walks 100,000 levels without recursion', () => {
    expect(inputLimitProblem(nested(100_000))).toMatchObject({ code: 'too_deep' });
  });

  it('applies the tighter depth for outside parties', () => {
    expect(inputLimitProblem(nested(EXTERNAL_ENVELOPE_LIMITS.maxDepth + 1), EXTERNAL_ENVELOPE_LIMITS)).toMatchObject({ code: 'too_deep' });
    expect(inputLimitProblem(nested(EXTERNAL_ENVELOPE_LIMITS.maxDepth + 1))).toBeUndefined();
  });

  it('names strings, keys, items and total size beyond their limits', () => {
    const long = 'x'.repeat(ENVELOPE_LIMITS.maxStringLength + 1);
    expect(inputLimitProblem({ data: { note: long } })).toMatchObject({ code: 'string_too_long', path: 'data.note' });
    expect(inputLimitProblem({ [long]: 1 })).toMatchObject({ code: 'string_too_long' });
    const keys = Object.fromEntries(Array.from({ length: ENVELOPE_LIMITS.maxKeys + 1 }, (_, index) => [`k${index}`, 1]));
    expect(inputLimitProblem({ data: keys })).toMatchObject({ code: 'too_many_keys', path: 'data' });
    expect(inputLimitProblem({ list: new Array(ENVELOPE_LIMITS.maxItems + 1).fill(0) })).toMatchObject({
      code: 'too_many_items',
      path: 'list',
    });
    const big = Array.from({ length: 5 }, () => 'y'.repeat(60_000));
    expect(inputLimitProblem(big)).toMatchObject({ code: 'too_large', path: '(root)' });
  });

  it('refuses a __proto__ key, which a schema parser would turn into a prototype, and keeps constructor as data', () => {
    const parsed = JSON.parse('{"data":{"__proto__":{"polluted":true}}}') as unknown;
    expect(inputLimitProblem(parsed)).toMatchObject({ code: 'forbidden_key', path: 'data.__proto__' });
    expect(inputLimitProblem(JSON.parse('{"constructor":{"prototype":{"x":1}}}'))).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('bytesLimitProblem', () => {
  it('measures bytes, not characters', () => {
    expect(bytesLimitProblem(Buffer.alloc(ENVELOPE_LIMITS.maxBytes))).toBeUndefined();
    expect(bytesLimitProblem(Buffer.from('é'.repeat(ENVELOPE_LIMITS.maxBytes / 2 + 1)))).toMatchObject({
      code: 'too_large',
      message: `${ENVELOPE_LIMITS.maxBytes + 2} bytes exceed the limit of ${ENVELOPE_LIMITS.maxBytes} bytes`,
    });
  });
});

describe('outside parties', () => {
  it('may send 16 KiB less than services sign', () => {
    const size = EXTERNAL_ENVELOPE_LIMITS.maxBytes + 1;
    expect(bytesLimitProblem(Buffer.alloc(size), EXTERNAL_ENVELOPE_LIMITS)).toMatchObject({ code: 'too_large' });
    expect(bytesLimitProblem(Buffer.alloc(size))).toBeUndefined();
    expect(ENVELOPE_LIMITS.maxBytes - EXTERNAL_ENVELOPE_LIMITS.maxBytes).toBe(16 * 1024);
  });
});

describe('canonicalJson depth guard', () => {
  it('throws InputLimitError, never a RangeError, however deep the value', () => {
    for (const depth of [CANONICAL_MAX_DEPTH + 1, 50_000]) {
      let thrown: unknown;
      try {
        canonicalJson(nested(depth));
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(InputLimitError);
      expect((thrown as InputLimitError).problem.code).toBe('too_deep');
    }
    expect(canonicalJson(nested(CANONICAL_MAX_DEPTH))).toBe(`${'['.repeat(CANONICAL_MAX_DEPTH)}0${']'.repeat(CANONICAL_MAX_DEPTH)}`);
  });
});

describe('parseJson', () => {
  it('refuses bytes that are not UTF-8 instead of reading U+FFFD', () => {
    expect(parseJson(Buffer.from([0x22, 0xc3, 0x28, 0x22]))).toEqual({
      ok: false,
      errors: [{ path: '(root)', code: 'invalid_utf8', message: 'payload is not valid UTF-8' }],
    });
    expect(parseJson(Buffer.from('"é"'))).toEqual({ ok: true, value: 'é' });
  });

  it('parses 100,000 levels of nesting (V8 parses iteratively) so the limit check can name them', () => {
    const parsed = parseJson(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    expect(parsed.ok && inputLimitProblem(parsed.value)?.code).toBe('too_deep');
  });
});
