import { SERVICE_ENV } from '@countersign/stack';
import { copies, runs, stages } from './dockerfile';
import { readRepoFile } from './repo-files';

/**
 * The image cannot be built here (no Docker engine), so this reads deploy/docker/Dockerfile: a
 * build stage compiles the TypeScript (scripts/build.js), and the final stage holds that JavaScript
 * with the production dependencies only, and no TypeScript source, compiler or dev dependency.
 */

interface Built {
  BUILDS: Record<string, { out: string; entries: string[] }>;
  SERVICES: string[];
}
const built = jest.requireActual<Built>('../scripts/built.js');

const dockerfile = stages(readRepoFile('deploy/docker/Dockerfile'));
const [build = [], final = []] = [dockerfile[0], dockerfile.at(-1)];

describe('deploy/docker/Dockerfile', () => {
  it('has a build stage and a final stage on the same base image', () => {
    expect(dockerfile).toHaveLength(2);
    expect(build[0]?.args).toBe('node:20-bookworm-slim AS build');
    expect(final[0]?.args).toBe('node:20-bookworm-slim');
  });

  it('compiles every process in the build stage, from the committed lockfile', () => {
    expect(runs(build).some((run) => /^npm install /.test(run))).toBe(true);
    expect(runs(build)).toContain('node scripts/build.js');
    const copied = copies(build).map((args) => args[0]);
    expect(copied).toEqual(expect.arrayContaining(['package.json', 'apps', 'libs', 'tools', 'scripts', 'tsconfig.base.json']));
  });

  it('installs the production dependencies only in the final stage, exactly as locked', () => {
    const installs = runs(final).filter((run) => /npm (ci|install|i) /.test(run));
    expect(installs).toHaveLength(1);
    expect(installs[0]).toMatch(/npm ci --omit=dev /);
    expect(installs[0]).not.toMatch(/npm (install|i) /);
  });

  it('copies the build into the final stage, and no TypeScript source, compiler settings or node_modules', () => {
    const copied = copies(final);
    expect(copied).toContainEqual(['--from=build', '/app/dist', './dist']);
    const fromBuild = copied.filter((args) => args[0]?.startsWith('--from'));
    expect(fromBuild).toEqual([['--from=build', '/app/dist', './dist']]);
    const sources = copied.filter((args) => !args[0]?.startsWith('--from')).flatMap((args) => args.slice(0, -1));
    expect(sources.sort()).toEqual(['bin', 'deploy', 'package-lock.json', 'package.json', 'scripts']);
  });

  it('runs as the unprivileged node user', () => {
    expect(final.filter((i) => i.keyword === 'USER').map((i) => i.args)).toEqual(['node']);
  });

  it('starts its processes with the environment the local stack gives them (SERVICE_ENV: malloc arenas)', () => {
    const set = final.filter((i) => i.keyword === 'ENV').map((i) => i.args);
    for (const [name, value] of Object.entries(SERVICE_ENV)) expect(set).toContain(`${name}=${value}`);
  });

  it('keeps a local dist/ out of the build context: the image makes its own', () => {
    expect(readRepoFile('deploy/docker/Dockerfile.dockerignore').split('\n')).toContain('dist');
  });

  it('has a build for every process docker-compose.yml starts', () => {
    const compose = readRepoFile('docker-compose.yml');
    const started = [...compose.matchAll(/\['node', 'scripts\/service\.js', '([a-z-]+)'\]/g)].map(([, name]) => name!);
    expect(started.length).toBeGreaterThan(0);
    for (const name of started) expect(built.BUILDS[name]?.entries).toEqual([`apps/${name}/src/main.ts`]);
    // deploy/docker/provision.sh runs these two through scripts/provision.js and scripts/run-ts.js.
    const provisioning = readRepoFile('deploy/docker/provision.sh');
    expect(provisioning).toMatch(/^node scripts\/provision\.js$/m);
    expect(provisioning).toMatch(/node scripts\/run-ts\.js deploy\/kurrentdb\/provision-acls\.ts/);
    expect(built.BUILDS.provision?.entries).toEqual(['tools/provision.ts', 'deploy/kurrentdb/provision-acls.ts']);
  });
});
