import { setMostRecent } from './recent-map';

describe('setMostRecent', () => {
  it('keeps the last `limit` keys used, dropping the least recently used, and moves a key set again to the end', () => {
    const map = new Map<string, number>();
    for (const [key, value] of [
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ] as const)
      setMostRecent(map, key, value, 3);
    setMostRecent(map, 'a', 10, 3);
    setMostRecent(map, 'd', 4, 3);
    expect([...map]).toEqual([
      ['c', 3],
      ['a', 10],
      ['d', 4],
    ]);
  });
});
