import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT, startStack, type Stack } from './stack';

const run = promisify(execFile);
// Makes every devDependency of package.json unloadable, as where only production ones are installed.
const GUARD = join(REPO_ROOT, 'scripts', 'forbid-dev-dependencies.js');
jest.setTimeout(120_000);

describe('a service run from its build (scripts/build.js)', () => {
  let work: string;
  let stack: Stack | undefined;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'countersign-built-'));
    // Packages resolve from the repository's install; the guard stands in for their absence.
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(work, 'node_modules'));
    // Built elsewhere than dist/, which other tests' processes may be running at this moment.
    await run(process.execPath, [join(REPO_ROOT, 'scripts', 'build.js'), '--out', join(work, 'dist'), 'intake']);
  });

  afterAll(async () => {
    await stack?.shutdown();
    rmSync(work, { recursive: true, force: true });
  });

  it('the guard refuses @swc-node/register and any other dev dependency', () => {
    for (const dev of ['@swc-node/register', '@swc/core', 'typescript']) {
      const result = spawnSync(process.execPath, ['--require', GUARD, '-e', `require(${JSON.stringify(dev)})`], { encoding: 'utf8' });
      expect(result.status).not.toBe(0);
      expect(result.stderr).toContain(`${dev} is a dev dependency`);
    }
  });

  it('intake starts from JavaScript with no dev dependency loadable, against a real nats-server, and serves HTTP', async () => {
    const main = (name: string) => join(work, 'dist', 'apps', name, 'apps', name, 'src', 'main.js');
    stack = await startStack({ services: ['intake'], demoTarget: false, command: (name) => ['--require', GUARD, main(name)] });
    expect(stack.isUp('intake')).toBe(true);
    const response = await fetch(`${stack.intakeUrl}/v1/openapi.json`);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { openapi?: string }).openapi).toMatch(/^3\./);
  });
});
