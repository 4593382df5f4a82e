import { escapeAndTruncate, escapeMrkdwn, truncate } from './mrkdwn';

describe('escapeMrkdwn', () => {
  it('escapes the three characters Slack gives meaning to', () => {
    expect(escapeMrkdwn('<!channel> & <@U123|boss> <https://evil.example|click>')).toBe(
      '&lt;!channel&gt; &amp; &lt;@U123|boss&gt; &lt;https://evil.example|click&gt;',
    );
  });

  it('escapes an already-escaped entity again, so it shows literally', () => {
    expect(escapeMrkdwn('&lt;')).toBe('&amp;lt;');
  });
});

describe('truncate', () => {
  it('leaves short text alone and marks a cut', () => {
    expect(truncate('short', 10)).toBe('short');
    expect(truncate('abcdefghij', 5)).toBe('abcd…');
    expect(truncate('abcdefghij', 5)).toHaveLength(5);
  });

  it('never splits a surrogate pair', () => {
    const cut = truncate('ab😀cdef', 4);
    expect(cut).toBe('ab…');
    expect(cut.length).toBeLessThanOrEqual(4);
  });
});

describe('escapeAndTruncate', () => {
  it('bounds the escaped length, not the raw one', () => {
    const out = escapeAndTruncate('<'.repeat(1000), 100);
    expect(out.length).toBeLessThanOrEqual(100);
    expect(out.endsWith('…')).toBe(true);
  });

  it('never leaves half an entity behind', () => {
    for (let max = 2; max < 40; max++) {
      const out = escapeAndTruncate('a&b<c>d'.repeat(10), max);
      expect(out.length).toBeLessThanOrEqual(max);
      const body = out.replace(/…$/, '');
      expect(body).not.toMatch(/&(?!(amp|lt|gt);)/);
      expect(body).not.toMatch(/[<>]/);
    }
  });
});
