import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EventTypes, Streams } from '@countersign/contracts';
import { loadTrustStore } from '@countersign/identity';
import { jsonLines, startCliHarness, type CliHarness } from './testing/cli-harness';

const run = promisify(execFile);
const REPO = join(__dirname, '..', '..', '..');
// Extracting ~110 packages from the npm cache is slow on a loaded two-core machine.
jest.setTimeout(600_000);

interface Shrinkwrap {
  packages: Record<string, { version?: string; license?: string; dependencies?: Record<string, string> }>;
}

/**
 * A project that depends on the tarball alone, locked to the tarball's own npm-shrinkwrap.json
 * (the repository's versions and integrity hashes), so `npm ci --offline` installs it from the
 * npm cache with no registry request. npm reads a tarball's shrinkwrap only once it is installed,
 * too late to resolve offline; this lockfile is that same tree, written up front.
 */
function lockedProject(dir: string, tarball: string, shrinkwrap: Shrinkwrap): void {
  const { '': root, ...packages } = shrinkwrap.packages;
  const dependencies = { countersign: `file:${tarball}` };
  const own = { name: 'operator-machine', version: '1.0.0', private: true, dependencies };
  const lock = {
    name: own.name,
    version: own.version,
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': own,
      'node_modules/countersign': {
        version: root?.version,
        resolved: `file:${tarball}`,
        license: root?.license,
        dependencies: root?.dependencies,
        bin: { countersign: 'bin/countersign.js' },
      },
      ...packages,
    },
  };
  writeFileSync(join(dir, 'package.json'), JSON.stringify(own, null, 2));
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify(lock, null, 2));
}

describe('the CLI as an npm package, on a machine with production dependencies only', () => {
  let work: string;
  let machine: string;
  let countersign: (args: readonly string[]) => Promise<{ code: number; stdout: string; stderr: string }>;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'countersign-pack-'));
    machine = mkdtempSync(join(tmpdir(), 'countersign-operator-'));
    // Built elsewhere than dist/, which other tests' processes may be running at this moment.
    await run(process.execPath, [join(REPO, 'scripts', 'build.js'), '--out', join(work, 'dist'), 'cli']);
    const packed = await run('npm', ['pack', join(work, 'dist', 'apps', 'cli'), '--pack-destination', machine, '--json'], { cwd: work });
    const [{ filename }] = JSON.parse(packed.stdout) as [{ filename: string }];
    const shrinkwrap = JSON.parse(readFileSync(join(work, 'dist', 'apps', 'cli', 'npm-shrinkwrap.json'), 'utf8')) as Shrinkwrap;
    lockedProject(machine, filename, shrinkwrap);
    // --ignore-scripts: the only install script in the tree is better-sqlite3's native build, which
    // needs the network or a compiler; the CLI never opens a SQLite file (it reaches the package
    // only through @countersign/event-store's index), and it loads its binding lazily.
    await run('npm', ['ci', '--omit=dev', '--offline', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: machine,
      maxBuffer: 16 * 1024 * 1024,
    });
    const bin = join(machine, 'node_modules', '.bin', 'countersign');
    countersign = async (args) => {
      // From an unrelated folder, with nothing of the repository reachable.
      const env = { PATH: process.env.PATH ?? '', HOME: machine };
      return run(bin, [...args], { cwd: machine, env }).then(
        ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
        (error: { code?: number; stdout?: string; stderr?: string }) => ({
          code: error.code ?? -1,
          stdout: error.stdout ?? '',
          stderr: error.stderr ?? '',
        }),
      );
    };
  });

  afterAll(() => {
    for (const dir of [work, machine]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('installs the build and the production dependencies it imports, and no compiler or test tool', () => {
    const installed = join(machine, 'node_modules');
    expect(existsSync(join(installed, 'countersign', 'apps', 'cli', 'src', 'main.js'))).toBe(true);
    expect(existsSync(join(installed, 'countersign', 'apps', 'cli', 'src', 'main.ts'))).toBe(false);
    for (const absent of ['@swc-node/register', '@swc/core', 'typescript', 'jest', 'nx']) {
      expect(existsSync(join(installed, absent))).toBe(false);
    }
    expect(existsSync(join(installed, 'nats'))).toBe(true);
  });

  it('answers --help', async () => {
    const result = await countersign(['--help']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    for (const command of ['submit', 'vote', 'status', 'audit', 'policy', 'provision', 'keys']) expect(result.stdout).toContain(command);
  });

  it('runs the policy fixtures shipped with it (Cedar, offline)', async () => {
    const result = await countersign(['policy', 'test', join(machine, 'node_modules', 'countersign', 'deploy', 'policies')]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/\d+ cases: \d+ passed, 0 failed/);
  });

  describe('against a real nats-server', () => {
    let harness: CliHarness;
    beforeAll(async () => {
      harness = await startCliHarness();
    });
    afterAll(() => harness.stop());

    it('submits a request signed by the requester', async () => {
      const submit = ['submit', '--as', 'deploy-bot', '--kind', 'http.request', '--target', 'billing-api', '--env', 'staging'];
      const args = ['--home', harness.home, '--nats', harness.server.url, ...submit, '--param', 'path=/v1/deploy', '--reason', 'r'];
      const result = await countersign([...args, '--json']);
      expect(result).toMatchObject({ code: 0, stderr: '' });
      const printed = jsonLines(result.stdout)[0]!;
      const jsm = await (await harness.connectAs('provisioner')).jetstreamManager();
      const stored = await jsm.streams.getMessage(Streams.submissions.name, { seq: printed.sequence as number });
      expect(loadTrustStore(harness.home).verifyBytes(stored.data)).toMatchObject({
        ok: true,
        type: EventTypes.RequestSubmitted,
        envelope: { id: printed.eventId, signer: 'requester:deploy-bot' },
      });
    });
  });
});
