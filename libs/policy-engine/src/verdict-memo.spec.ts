import type { Verdict } from '@countersign/policy';
import { VerdictMemo } from './verdict-memo';

describe('VerdictMemo', () => {
  const allow: Verdict = { allowed: true, policies: ['p'] };

  it('asks once per key and hands each caller its own copy', () => {
    const memo = new VerdictMemo();
    const ask = jest.fn(() => ({ ...allow, policies: [...allow.policies] }));
    const first = memo.answer('k', ask);
    first.policies.push('changed by a caller');
    expect(memo.answer('k', ask)).toStrictEqual(allow);
    expect(ask).toHaveBeenCalledTimes(1);
  });

  it('keeps no answer with errors: it is asked again', () => {
    const memo = new VerdictMemo();
    const ask = jest.fn((): Verdict => ({ allowed: false, policies: [], errors: ['Request::"r-1": overflow'] }));
    memo.answer('k', ask);
    memo.answer('k', ask);
    expect(ask).toHaveBeenCalledTimes(2);
  });

  it('forgets the oldest key beyond its size', () => {
    const memo = new VerdictMemo(2);
    const ask = jest.fn(() => allow);
    for (const key of ['a', 'b', 'c', 'b', 'a']) memo.answer(key, ask);
    // a, b, c asked; c pushed a out; b kept; a asked again.
    expect(ask).toHaveBeenCalledTimes(4);
  });
});
