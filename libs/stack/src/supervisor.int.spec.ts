import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnManaged } from './child';
import { restartDelay, Supervisor } from './supervisor';

const SERVICE = `console.log('COUNTERSIGN_READY probe'); setInterval(() => undefined, 1000);`;
const policy = { initialDelayMs: 100, maxDelayMs: 250, stableAfterMs: 60_000 };

async function until<T>(check: () => T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('restartDelay', () => {
  it('doubles from the initial delay and stops at the cap', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7].map((streak) =>
      restartDelay({ initialDelayMs: 1_000, maxDelayMs: 30_000, stableAfterMs: 0 }, streak),
    );
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
  });
});

describe('Supervisor with real child processes', () => {
  const lines: string[] = [];
  const runDir = join(mkdtempSync(join(tmpdir(), 'countersign-supervisor-')), 'run');
  const supervisor = new Supervisor({
    spawn: (name) =>
      spawnManaged(name, ['-e', SERVICE], process.env, /COUNTERSIGN_READY/, (n, l) => void lines.push(`${n}| ${l}`), process.cwd()),
    policy,
    log: (name, line) => void lines.push(`${name}| ${line}`),
    runDir,
  });
  const pidOf = () => Number(readFileSync(join(runDir, 'probe.pid'), 'utf8'));

  afterAll(() => supervisor.shutdown());

  it('restarts a killed process with growing, capped back-off and says so', async () => {
    await supervisor.start('probe');
    const first = pidOf();
    for (const [restart, delay] of [
      [1, '0.1 s'],
      [2, '0.2 s'],
      [3, '0.3 s'], // capped at 250 ms, printed rounded
    ] as const) {
      const before = pidOf();
      expect(supervisor.kill('probe')).toBe(true);
      await until(() => supervisor.restarts('probe') === restart && existsSync(join(runDir, 'probe.pid')) && supervisor.isUp('probe'));
      expect(pidOf()).not.toBe(before);
      expect(lines).toContain(`supervisor| probe exited (signal SIGKILL); restarting in ${delay} (restart ${restart})`);
    }
    expect(pidOf()).not.toBe(first);
  });

  it('does not restart a process it was asked to stop, and removes its pid file', async () => {
    await supervisor.stop('probe');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(supervisor.isUp('probe')).toBe(false);
    expect(supervisor.restarts('probe')).toBe(3);
    expect(existsSync(join(runDir, 'probe.pid'))).toBe(false);
  });

  it('restarts a process stopped from outside with SIGTERM (how one service is restarted by hand)', async () => {
    await supervisor.start('probe');
    process.kill(pidOf(), 'SIGTERM');
    await until(() => supervisor.restarts('probe') === 4 && supervisor.isUp('probe'));
    expect(lines).toContainEqual(expect.stringMatching(/probe exited \(signal SIGTERM\); restarting in .* \(restart 4\)$/));
    expect(lines).toContain('supervisor| probe is back (restart 4)');
  });
});
