import { ForeignAppendWatch } from './sqlite-append-watch';

describe('ForeignAppendWatch', () => {
  let version: number | Error = 1;
  let changes = 0;
  const watch = () =>
    new ForeignAppendWatch(
      () => {
        if (version instanceof Error) throw version;
        return version;
      },
      200,
      () => void (changes += 1),
    );

  beforeEach(() => {
    jest.useFakeTimers();
    version = 1;
    changes = 0;
  });
  afterEach(() => jest.useRealTimers());

  it('wakes the readers only when another connection has committed since the last look', () => {
    const w = watch();
    w.start();
    jest.advanceTimersByTime(1_000);
    expect(changes).toBe(0);
    version = 2;
    jest.advanceTimersByTime(200);
    expect(changes).toBe(1);
    jest.advanceTimersByTime(1_000);
    expect(changes).toBe(1);
    w.stop();
  });

  it('keeps the baseline of a running watch, so a commit before a later start is still noticed', () => {
    const w = watch();
    w.start();
    version = 2; // committed after the first subscriber's read, before a second one subscribes
    w.start();
    jest.advanceTimersByTime(200);
    expect(changes).toBe(1);
    w.stop();
  });

  it('wakes the readers on every look while the store cannot answer, so their reads report it', () => {
    const w = watch();
    w.start();
    version = new Error('SQLite store closed');
    jest.advanceTimersByTime(400);
    expect(changes).toBe(2);
    w.stop();
  });

  it('holds no timer once stopped', () => {
    const w = watch();
    w.start();
    expect(jest.getTimerCount()).toBe(1);
    w.stop();
    expect(jest.getTimerCount()).toBe(0);
  });
});
