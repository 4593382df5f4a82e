import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

jest.setTimeout(60_000);

const REPO = join(__dirname, '..', '..', '..');

/**
 * A service process's logging, end to end: the stdout destination in a child process whose stdout
 * is a pipe read line by line, as the stack launcher reads it. One line written while starting,
 * five held once buffering is on (FLUSH_MS, unless the test sets it), then the process ends as END says.
 */
const SERVICE = `
require('@swc-node/register');
const { createServiceLog } = require('./libs/service-runtime/src/logging.ts');
const { stdoutLogDestination } = require('./libs/service-runtime/src/log-destination.ts');
const destination = stdoutLogDestination({ flushMs: Number(process.env.FLUSH_MS ?? 60000) });
const log = createServiceLog('broker', destination);
log.info('starting');
destination.buffer(true);
for (let n = 0; n < 5; n++) log.info({ n }, 'held');
setInterval(() => undefined, 1000);
process.once('SIGTERM', () => process.exit(0));
const end = process.env.END;
if (end === 'exit') process.exit(0);
else if (end === 'throw') setImmediate(() => { throw new Error('boom'); });
else if (end === 'reject') void Promise.reject(new Error('boom'));
else process.stderr.write('WAITING\\n');
`;

interface Run {
  lines: string[];
  /** Resolves once the child is waiting for a signal (END unset). */
  waiting: Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): void;
}

function runService(env: Record<string, string>): Run {
  const child = spawn(process.execPath, ['-e', SERVICE], {
    cwd: REPO,
    env: { ...process.env, SWC_NODE_PROJECT: join(REPO, 'tsconfig.json'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const stdoutClosed = new Promise<void>((resolve) =>
    createInterface({ input: child.stdout })
      .on('line', (line) => void lines.push(line))
      .on('close', resolve),
  );
  const waiting = new Promise<void>((resolve) =>
    createInterface({ input: child.stderr }).on('line', (line) => {
      if (line === 'WAITING') resolve();
    }),
  );
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => void stdoutClosed.then(() => resolve({ code, signal }))),
  );
  return { lines, waiting, exited, kill: (signal) => void child.kill(signal) };
}

/**
 * Waits (up to 5 s) until `count` lines have arrived. Lines written before buffering starts go out
 * at once, but on stdout, another pipe than the child's WAITING on stderr: this process may read
 * that first.
 */
async function untilLines(run: Run, count: number): Promise<void> {
  for (let waited = 0; waited < 5_000 && run.lines.length < count; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
}

const messages = (lines: string[]) => lines.map((line) => (JSON.parse(line) as { msg: string; n?: number }).msg);
const HELD = ['held', 'held', 'held', 'held', 'held'];

describe('the service log on a real stdout pipe', () => {
  it.each([
    ['process.exit', 'exit', 0],
    ['an uncaught exception', 'throw', 1],
    ['an unhandled rejection', 'reject', 1],
  ])('writes the held lines when the process ends by %s', async (_how, end, code) => {
    const run = runService({ END: end });
    expect((await run.exited).code).toBe(code);
    expect(messages(run.lines)).toEqual(['starting', ...HELD]);
  });

  it('writes the held lines when SIGTERM ends the process (its handler exits, as bootstrap’s does)', async () => {
    const run = runService({});
    await run.waiting;
    await untilLines(run, 1);
    expect(messages(run.lines)).toEqual(['starting']);
    run.kill('SIGTERM');
    expect(await run.exited).toEqual({ code: 0, signal: null });
    expect(messages(run.lines)).toEqual(['starting', ...HELD]);
  });

  it('writes held lines within flushMs while the process runs on', async () => {
    const run = runService({ FLUSH_MS: '100' });
    await run.waiting;
    await untilLines(run, 6);
    expect(messages(run.lines)).toEqual(['starting', ...HELD]);
    run.kill('SIGKILL');
    await run.exited;
  });

  it('loses what is held, and only that, to SIGKILL (the bound docs/operations.md gives)', async () => {
    const run = runService({});
    await run.waiting;
    await untilLines(run, 1);
    expect(messages(run.lines)).toEqual(['starting']);
    run.kill('SIGKILL');
    expect((await run.exited).signal).toBe('SIGKILL');
    expect(messages(run.lines)).toEqual(['starting']);
  });
});
