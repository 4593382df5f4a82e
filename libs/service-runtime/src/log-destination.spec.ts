import { LogDestination, stdoutLogDestination, type LineWriter } from './log-destination';
import { createServiceLog, REDACTED } from './logging';

/** A writer that records what it is handed, and each synchronous step, in order. */
function recorder(): LineWriter & { batches: string[]; steps: string[] } {
  const batches: string[] = [];
  const steps: string[] = [];
  return {
    batches,
    steps,
    write: (chunk: string) => {
      batches.push(chunk);
      steps.push(`write ${chunk}`);
    },
    flushSync: () => void steps.push('writer.flushSync'),
  };
}

const FLUSH_MS = 40;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const lines = (batches: string[]) =>
  batches
    .join('')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('the service log destination', () => {
  it('writes each line at once until it is told to buffer (start-up), and again after buffering stops (shutdown)', () => {
    const writer = recorder();
    const destination = new LogDestination({ writer, flushMs: FLUSH_MS });
    destination.write('a\n');
    destination.write('b\n');
    expect(writer.batches).toEqual(['a\n', 'b\n']);
    destination.buffer(true);
    destination.write('c\n');
    expect(writer.batches).toEqual(['a\n', 'b\n']);
    destination.buffer(false);
    expect(writer.batches).toEqual(['a\n', 'b\n', 'c\n']);
    destination.write('d\n');
    expect(writer.batches).toEqual(['a\n', 'b\n', 'c\n', 'd\n']);
  });

  it('holds info lines for at most flushMs, then writes them as one batch', async () => {
    const writer = recorder();
    const destination = new LogDestination({ writer, flushMs: FLUSH_MS });
    destination.buffer(true);
    destination.write('1\n');
    destination.write('2\n');
    await sleep(FLUSH_MS / 4);
    expect(writer.batches).toEqual([]);
    await sleep(FLUSH_MS * 2);
    expect(writer.batches).toEqual(['1\n2\n']);
    // Nothing held: the timer is not armed again, nothing empty is written.
    await sleep(FLUSH_MS * 2);
    expect(writer.batches).toEqual(['1\n2\n']);
  });

  it('writes the batch as soon as it holds maxChars', () => {
    const writer = recorder();
    const destination = new LogDestination({ writer, flushMs: 60_000, maxChars: 10 });
    destination.buffer(true);
    destination.write('12345\n');
    expect(writer.batches).toEqual([]);
    destination.write('67890\n');
    expect(writer.batches).toEqual(['12345\n67890\n']);
  });

  it('never holds a warn or error line back: it goes out at once with everything before it, in order', () => {
    const writer = recorder();
    const destination = new LogDestination({ writer, flushMs: 60_000 });
    destination.buffer(true);
    const log = createServiceLog('broker', destination);
    log.info('decided');
    expect(writer.batches).toEqual([]);
    log.warn('consumer lagging');
    expect(lines(writer.batches).map((line) => [line.level, line.msg])).toEqual([
      ['info', 'decided'],
      ['warn', 'consumer lagging'],
    ]);
    log.info('later');
    log.error('consumer stopped');
    expect(lines(writer.batches).map((line) => line.msg)).toEqual(['decided', 'consumer lagging', 'later', 'consumer stopped']);
    destination.buffer(false);
  });

  it('at exit, drains the writer first and then writes the held batch synchronously through its own writer, not the one pino may have ended', () => {
    const writer = recorder();
    const destination = new LogDestination({ writer, writeSync: (chunk) => void writer.steps.push(`writeSync ${chunk}`), flushMs: 60_000 });
    destination.write('sent\n');
    destination.buffer(true);
    destination.write('held 1\n');
    destination.write('held 2\n');
    destination.flushSync();
    expect(writer.steps).toEqual(['write sent\n', 'writer.flushSync', 'writeSync held 1\nheld 2\n']);
    // Nothing is held any more, and no timer is left to write it twice.
    destination.flushSync();
    expect(writer.steps).toEqual(['write sent\n', 'writer.flushSync', 'writeSync held 1\nheld 2\n', 'writer.flushSync']);
  });

  it('writes something at exit even when stdout is gone (each step on its own)', () => {
    const written: string[] = [];
    const broken: LineWriter = {
      write: () => undefined,
      flushSync: () => {
        throw Object.assign(new Error('EPIPE'), { code: 'EPIPE' });
      },
    };
    const destination = new LogDestination({ writer: broken, writeSync: (chunk) => void written.push(chunk) });
    destination.buffer(true);
    destination.write('held\n');
    expect(() => destination.flushSync()).not.toThrow();
    expect(written).toEqual(['held\n']);
  });

  it('keeps redaction, the service name and the level on buffered lines', () => {
    const writer = recorder();
    const destination = new LogDestination({ writer, flushMs: 60_000 });
    destination.buffer(true);
    const log = createServiceLog('broker', destination);
    log.child({ session: { token: 't' } }).info({ seed: 'SU', requestId: 'r' }, 'decided');
    destination.flush();
    expect(lines(writer.batches)).toEqual([
      expect.objectContaining({
        service: 'broker',
        level: 'info',
        session: { token: REDACTED },
        seed: REDACTED,
        requestId: 'r',
        msg: 'decided',
      }),
    ]);
    expect(writer.batches.join('')).not.toMatch(/"(t|SU)"/);
    // pino leaves the caller's unredacted fields on the stream; the destination keeps none alive.
    expect([destination.lastObj, destination.lastMsg, destination.lastLogger]).toEqual([undefined, undefined, undefined]);
  });

  it('is one per process: a second stdout destination is the first', () => {
    expect(stdoutLogDestination({ flushMs: 1 })).toBe(stdoutLogDestination());
  });
});
