import { canonicalJson } from './canonical';

/** The straightforward reading of RFC 8785 the implementation replaced: the oracle for random values. */
function oracle(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(oracle).join(',')}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${oracle(record[key])}`).join(',')}}`;
}

/** A small deterministic generator (xorshift), so a failure names a reproducible case. */
function randomValue(seed: number): unknown {
  let state = seed || 1;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  const texts = ['', 'a', 'é', '€', '😀', '\u0000', '"quote"', '\\', 'line\nbreak', '\ud800', 'Z', '1', '10', 'b', 'aa'];
  const numbers = [0, -0, 1, -1, 0.1, 1e21, 1e-7, 123456789.123, Number.MAX_SAFE_INTEGER, 5e-324];
  const make = (depth: number): unknown => {
    const pick = next();
    if (depth > 3 || pick < 0.4) {
      const leaf = next();
      if (leaf < 0.3) return texts[Math.floor(next() * texts.length)];
      if (leaf < 0.6) return numbers[Math.floor(next() * numbers.length)];
      return leaf < 0.8 ? next() < 0.5 : null;
    }
    if (pick < 0.65) return Array.from({ length: Math.floor(next() * 4) }, () => make(depth + 1));
    const record: Record<string, unknown> = {};
    for (let count = Math.floor(next() * 5); count > 0; count -= 1) record[texts[Math.floor(next() * texts.length)]!] = make(depth + 1);
    return record;
  };
  return make(0);
}

describe('canonicalJson (RFC 8785)', () => {
  it('sorts keys by UTF-16 code units, recursively, and serializes numbers as ECMAScript does', () => {
    // RFC 8785, section 3.2.3: the sorting example's keys, in code-unit order.
    const sorted = canonicalJson({
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    });
    const order = ['\r', '1', '\u0080', '\u00f6', '\u20ac', '\ud83d\ude00', '\ufb33'];
    const names = [
      'Carriage Return',
      'One',
      'Control',
      'Latin Small Letter O With Diaeresis',
      'Euro Sign',
      'Emoji: Grinning Face',
      'Hebrew Letter Dalet With Dagesh',
    ];
    expect(sorted).toBe(`{${order.map((key, index) => `${JSON.stringify(key)}:${JSON.stringify(names[index])}`).join(',')}}`);
    // Section 3.2.2.3 examples.
    expect(canonicalJson([1e21, 1e-7, -0, 0.000001, 333333333.3333333, 9007199254740991])).toBe(
      '[1e+21,1e-7,0,0.000001,333333333.3333333,9007199254740991]',
    );
  });

  it('drops undefined fields, writes undefined array items as null, and refuses what JSON cannot say', () => {
    expect(canonicalJson({ b: undefined, a: [undefined, 1] })).toBe('{"a":[null,1]}');
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(TypeError);
    expect(() => canonicalJson({ a: () => 1 })).toThrow(TypeError);
  });

  it('agrees with the straightforward implementation on a thousand random values', () => {
    for (let seed = 1; seed <= 1000; seed += 1) {
      const value = randomValue(seed);
      expect([seed, canonicalJson(value)]).toEqual([seed, oracle(value)]);
    }
  });
});
