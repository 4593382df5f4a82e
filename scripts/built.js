'use strict';
// Which JavaScript a process runs: the build in dist/ (scripts/build.js) or the TypeScript sources
// through @swc-node/register. Plain JavaScript with no dependency, because it also runs where only
// the production dependencies are installed (the image, the CLI's npm package).
//
// COUNTERSIGN_RUN_FROM picks the mode:
//   auto (default)  the build when it is fresh (every source it was made from, and the build
//                   settings, hash as they did then), else the sources: stale code never runs
//   built           the build; refuses to start when it is missing or stale
//   source          the sources, through @swc-node/register (needs the dev dependencies)
// Where the TypeScript workspace is absent (the image: no tsconfig.json, which swc-node needs for
// the path aliases) or this folder is itself a build output (the npm package), the build is all
// there is and it runs as it is.
const { createHash } = require('node:crypto');
const { existsSync, readFileSync } = require('node:fs');
const { join } = require('node:path');

const ROOT = join(__dirname, '..');
const MANIFEST = 'build.json';
const SERVICES = ['intake', 'approval', 'broker', 'executor', 'audit', 'slack-edge', 'demo-target', 'siem-forwarder', 'mcp-gateway'];
// The defaults the CLI's `provision` and the provisioning tool read next to their code (`__dirname`).
const DEPLOY_DEFAULTS = ['deploy/identities.json', 'deploy/targets.json', 'deploy/policies'];

/** Every build: where it goes under dist/, its entry points, and files copied as they are. */
const BUILDS = {
  ...Object.fromEntries(SERVICES.map((name) => [name, { out: `apps/${name}`, entries: [`apps/${name}/src/main.ts`] }])),
  cli: {
    out: 'apps/cli',
    entries: ['apps/cli/src/main.ts'],
    // The package's own launcher (bin/countersign.js) needs this file to find the built entry.
    assets: [...DEPLOY_DEFAULTS, 'bin/countersign.js', 'scripts/built.js'],
    package: { name: 'countersign', bin: { countersign: 'bin/countersign.js' } },
  },
  // The docker-compose `provision` step (deploy/docker/provision.sh).
  provision: { out: 'tools/provision', entries: ['tools/provision.ts', 'deploy/kurrentdb/provision-acls.ts'], assets: DEPLOY_DEFAULTS },
};

// What else decides the output: the compiler settings, the path aliases, and the build itself.
const SETTINGS = ['.swcrc', 'tsconfig.base.json', 'package-lock.json', 'scripts/build.js', 'scripts/built.js', 'scripts/shrinkwrap.js'];

const sha256 = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** Whether the build in `dir` was made from the files as they are now. */
function isFresh(dir, root = ROOT) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8'));
  } catch {
    return false;
  }
  return Object.entries(manifest.inputs ?? {}).every(([file, hash]) => {
    try {
      return sha256(join(root, file)) === hash;
    } catch {
      return false; // deleted since
    }
  });
}

/**
 * The file to run for `source` (an entry of build `name`, relative to the repository root), and
 * whether it is the build or the TypeScript source.
 */
function resolveEntry(name, source, env = process.env, root = ROOT) {
  const js = source.replace(/\.ts$/, '.js');
  // This folder is a build output itself (the CLI's npm package): its files sit at the top.
  if (existsSync(join(root, MANIFEST))) return { mode: 'built', file: join(root, js) };
  const sources = { mode: 'source', file: join(root, source) };
  const wanted = env.COUNTERSIGN_RUN_FROM || 'auto';
  if (wanted === 'source') return sources;
  const build = BUILDS[name];
  if (!build) throw new Error(`no build named ${name}`);
  const dir = join(root, 'dist', build.out);
  const built = { mode: 'built', file: join(dir, js) };
  if (!existsSync(sources.file) || !existsSync(join(root, 'tsconfig.json'))) {
    if (!existsSync(built.file)) throw new Error(`${source}: neither the source nor its build (${built.file}) is here`);
    return built;
  }
  const fresh = existsSync(built.file) && isFresh(dir, root);
  if (wanted === 'built') {
    if (!fresh) throw new Error(`COUNTERSIGN_RUN_FROM=built, but ${dir} is missing or stale: run node scripts/build.js ${name}`);
    return built;
  }
  if (wanted !== 'auto') throw new Error(`COUNTERSIGN_RUN_FROM must be auto, built or source, not ${wanted}`);
  return fresh ? built : sources;
}

/** Loads the entry as resolveEntry says; the sources get @swc-node/register with the path aliases. */
function requireEntry(name, source, env = process.env) {
  const entry = resolveEntry(name, source, env);
  if (entry.mode === 'source') {
    // swc-node reads the tsconfig named by SWC_NODE_PROJECT; SWCRC is cleared because .swcrc has
    // no `paths`, and with it set swc-node would ignore the tsconfig's aliases.
    process.env.SWC_NODE_PROJECT = join(ROOT, 'tsconfig.json');
    delete process.env.SWCRC;
    require('@swc-node/register');
  }
  return require(entry.file);
}

module.exports = { BUILDS, MANIFEST, SETTINGS, ROOT, SERVICES, isFresh, resolveEntry, requireEntry, sha256 };
