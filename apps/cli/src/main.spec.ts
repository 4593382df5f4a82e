import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInProcess } from './testing/in-process';

const cli = (argv: string[], env: NodeJS.ProcessEnv = {}) => runInProcess(argv, env);

describe('countersign run()', () => {
  it('prints general and per-command help', async () => {
    expect(await cli(['help'])).toMatchObject({ code: 0, out: expect.stringContaining('commands:') });
    expect(await cli(['--help'])).toMatchObject({ code: 0 });
    expect(await cli(['vote', '--help'])).toMatchObject({ code: 0, out: expect.stringContaining('countersign vote --as <approver>') });
    expect(await cli([])).toMatchObject({ code: 2, out: expect.stringContaining('usage: countersign') });
  });

  it('answers unknown commands and options with exit 2 and a pointer to help', async () => {
    expect(await cli(['frobnicate'])).toMatchObject({
      code: 2,
      err: "error: unknown command 'frobnicate'\nrun 'countersign help' for usage\n",
    });
    expect(await cli(['submit', '--colour', 'red'])).toMatchObject({
      code: 2,
      err: expect.stringContaining("run 'countersign help submit'"),
    });
  });

  it('refuses an invalid submission before touching keys or the network, naming the field', async () => {
    const result = await cli([
      'submit',
      '--as',
      'deploy-bot',
      '--kind',
      'http.request',
      '--target',
      'Billing API',
      '--env',
      'staging',
      '--reason',
      'x',
    ]);
    expect(result.code).toBe(2);
    expect(result.err).toContain('action.target:');
  });

  it('reports field errors as JSON on stderr with --json', async () => {
    const result = await cli(['--json', 'vote', '--as', 'alice', '--request', 'nope', '--digest', 'abc', '--approve']);
    expect(result.code).toBe(2);
    const { details } = JSON.parse(result.err) as { details: Array<{ path: string }> };
    expect(details.map((error) => error.path)).toEqual(['requestId', 'digest', 'renderingDigest']);
  });

  it('refuses a vote that names no rendering digest: the approver must say which text they read', async () => {
    const digest = 'a'.repeat(64);
    const result = await cli([
      '--json',
      'vote',
      '--as',
      'alice',
      '--request',
      '0b6c8a52-3f1e-4d1a-9c57-6a1f0e2d4b11',
      '--digest',
      digest,
      '--approve',
    ]);
    expect(result.code).toBe(2);
    const { details } = JSON.parse(result.err) as { details: Array<{ path: string }> };
    expect(details.map((error) => error.path)).toEqual(['renderingDigest']);
  });

  it('needs exactly one of --approve and --deny', async () => {
    expect(await cli(['vote', '--as', 'alice', '--request', 'r', '--digest', 'd', '--approve', '--deny'])).toMatchObject({
      code: 2,
      err: expect.stringContaining('exactly one of --approve or --deny'),
    });
  });

  it('explains a missing home instead of printing a stack', async () => {
    const result = await cli(['status', '6f1d3c2a-9b8e-4f70-a1c2-3d4e5f607182', '--home', '/nonexistent/home']);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/^error: key file not found at .*countersign keys init/);
  });

  it('provisions a home from $COUNTERSIGN_HOME and never prints secrets', async () => {
    const home = mkdtempSync(join(tmpdir(), 'countersign-cli-'));
    try {
      const result = await cli(['provision', '--json'], { COUNTERSIGN_HOME: home });
      expect(result.code).toBe(0);
      const summary = JSON.parse(result.out);
      expect(summary.home).toBe(home);
      expect(summary.identities).toContainEqual({ id: 'approver:alice', keys: 'generated' });
      expect(summary.mode).toBe('development');
      const seed = JSON.parse(readFileSync(join(home, 'keys', 'approver-alice', 'key.json'), 'utf8')).nats.seed;
      expect(result.out).not.toContain(seed);
      expect(result.out).not.toMatch(/privateKey|password|seed/);
      expect(JSON.parse((await cli(['provision', '--json', '--home', home])).out).identities).toContainEqual({
        id: 'approver:alice',
        keys: 'kept',
      });
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
