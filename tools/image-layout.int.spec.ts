import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { freePort } from '@countersign/testing';
import { copies, stages } from './dockerfile';

const run = promisify(execFile);
const root = join(__dirname, '..');
jest.setTimeout(180_000);

/**
 * No Docker engine runs here, so this lays out the final stage of deploy/docker/Dockerfile by hand:
 * its COPY instructions, with dist/ from scripts/build.js, into an empty folder. Packages resolve
 * from the repository's install, with every dev dependency made unloadable
 * (scripts/forbid-dev-dependencies.js); the processes then run as they would in the image.
 */
describe('the final stage of the image, laid out by hand', () => {
  let app: string;
  let env: NodeJS.ProcessEnv;
  const node = (args: string[], extra: NodeJS.ProcessEnv = {}) => run(process.execPath, args, { cwd: app, env: { ...env, ...extra } });

  beforeAll(async () => {
    app = mkdtempSync(join(tmpdir(), 'countersign-image-'));
    const final = stages(readFileSync(join(root, 'deploy', 'docker', 'Dockerfile'), 'utf8')).at(-1) ?? [];
    for (const args of copies(final)) {
      const target = args.at(-1) ?? '';
      if (args[0] === '--from=build') {
        expect(args).toEqual(['--from=build', '/app/dist', './dist']);
        await run(process.execPath, [join(root, 'scripts', 'build.js'), '--out', join(app, target)]);
        continue;
      }
      for (const source of args.slice(0, -1))
        cpSync(join(root, source), join(app, target.endsWith('/') ? source : target), { recursive: true });
    }
    symlinkSync(join(root, 'node_modules'), join(app, 'node_modules'));
    const guard = join(app, 'scripts', 'forbid-dev-dependencies.js');
    env = { PATH: process.env.PATH ?? '', NODE_OPTIONS: `--require ${guard}`, COUNTERSIGN_HOME: join(app, 'home') };
  });

  afterAll(() => rmSync(app, { recursive: true, force: true }));

  it('holds no TypeScript workspace: no apps, libs, tools or tsconfig', () => {
    for (const absent of ['apps', 'libs', 'tools', 'tsconfig.json', 'tsconfig.base.json', '.swcrc']) {
      expect(existsSync(join(app, absent))).toBe(false);
    }
  });

  it('provisions (scripts/provision.js, the compose provision step) from the build', async () => {
    const { stdout } = await node(['scripts/provision.js']);
    expect(stdout).toMatch(/identities trusted in/);
    expect(stdout).toMatch(/policy \S+ pinned at sha256:/);
  });

  it('plans the KurrentDB access (provision-acls.ts, which deploy/ carries as source) from the build', async () => {
    const { stdout } = await node(['scripts/run-ts.js', 'deploy/kurrentdb/provision-acls.ts', '--dry-run']);
    expect(JSON.parse(stdout)).toMatchObject({ mode: 'acl' });
  });

  it('runs the CLI', async () => {
    const { stdout } = await node(['bin/countersign.js', '--help']);
    expect(stdout).toMatch(/^usage: countersign/m);
  });

  it('starts a service with scripts/service.js, the compose command', async () => {
    const port = await freePort();
    const extra = { DEMO_TARGET_PORT: String(port), DEMO_TARGET_DB: join(app, 'demo.sqlite') };
    const child = spawn(process.execPath, ['scripts/service.js', 'demo-target'], { cwd: app, env: { ...env, ...extra } });
    try {
      const lines = createInterface({ input: child.stdout });
      const ready = await new Promise<string>((resolve, reject) => {
        lines.on('line', (line) => line.includes('listening on') && resolve(line));
        child.once('exit', (code) => reject(new Error(`demo-target exited with ${String(code)}`)));
      });
      expect(ready).toContain(`http://127.0.0.1:${port}`);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
