#!/usr/bin/env node
'use strict';
// Builds JavaScript for the processes that run in production: node scripts/build.js [--out <dir>] [name ...]
// (default: every build in scripts/built.js, into dist/; the Nx `build` target of an app runs it with
// its name). --out builds elsewhere, e.g. for a test that must not touch the dist/ other processes run.
//
// Each build is the closure of its entry points: the files they import, followed through the
// @countersign/* path aliases (tsconfig.base.json), compiled one by one with @swc/core using the
// settings of .swcrc (so the same decorator metadata Nest reads as under @swc-node/register) and
// written to dist/<out>/ at their repository paths, so relative imports and `__dirname` hold. It
// fails when the code needs at run time a package that is not a production dependency. build.json
// records what the build was made from (scripts/built.js runs a build only while that still holds);
// the CLI also gets a package.json listing only the dependencies it imports, for `npm pack`.
const { builtinModules } = require('node:module');
const { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } = require('node:fs');
const { dirname, join, posix, relative, resolve } = require('node:path');
const swc = require('@swc/core');
const { BUILDS, MANIFEST, ROOT, SETTINGS, sha256 } = require('./built');
const { shrinkwrapFor } = require('./shrinkwrap');

const rootPackage = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const swcrc = JSON.parse(readFileSync(join(ROOT, '.swcrc'), 'utf8'));
delete swcrc.$schema;
const { paths } = JSON.parse(readFileSync(join(ROOT, 'tsconfig.base.json'), 'utf8')).compilerOptions;
// Emitted requires are `require("…")` with double quotes, whatever the source wrote.
const REQUIRE = /\brequire\("([^"]+)"\)/g;
const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

/** One compile per file, shared by the builds that include it. */
const compiled = new Map();
function compile(file) {
  if (!compiled.has(file)) {
    const options = {
      ...swcrc,
      swcrc: false,
      filename: join(ROOT, file),
      sourceMaps: true,
      jsc: { ...swcrc.jsc, baseUrl: ROOT, paths },
    };
    const output = swc.transformFileSync(join(ROOT, file), options);
    compiled.set(file, { code: output.code, map: output.map, requires: [...output.code.matchAll(REQUIRE)].map((match) => match[1]) });
  }
  return compiled.get(file);
}

/** The repository file a relative require in `from` names: a .ts module, a folder's index.ts, or a .json file. */
function resolveRelative(from, specifier) {
  const base = posix.join(posix.dirname(from), specifier);
  const found = [`${base}.ts`, `${base}/index.ts`, base].find(
    (candidate) => /\.(ts|json)$/.test(candidate) && existsSync(join(ROOT, candidate)),
  );
  if (!found) throw new Error(`${from}: cannot resolve ${specifier}`);
  return found;
}

const packageOf = (specifier) =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');

/** Compiles the closure of the entry points into `out`; returns its inputs and the packages it needs. */
function emit(build, out) {
  const queue = [...build.entries];
  const seen = new Set(queue);
  const packages = new Map(); // package -> first file that needs it
  while (queue.length > 0) {
    const file = queue.shift();
    const target = join(out, file.replace(/\.ts$/, '.js'));
    mkdirSync(dirname(target), { recursive: true });
    if (file.endsWith('.json')) {
      cpSync(join(ROOT, file), join(out, file));
      continue;
    }
    const { code, map, requires } = compile(file);
    writeFileSync(target, `${code}\n//# sourceMappingURL=${posix.basename(target)}.map\n`);
    writeFileSync(`${target}.map`, map);
    for (const specifier of requires) {
      if (specifier.startsWith('.')) {
        const next = resolveRelative(file, specifier);
        if (!seen.has(next)) {
          seen.add(next);
          queue.push(next);
        }
      } else if (!builtins.has(specifier) && !packages.has(packageOf(specifier))) {
        packages.set(packageOf(specifier), file);
      }
    }
  }
  return { sources: [...seen].sort(), packages };
}

/** The production dependencies `packages` names, with their pinned versions; a dev-only one fails the build. */
function dependenciesOf(name, packages) {
  const wrong = [...packages].filter(([pkg]) => !rootPackage.dependencies[pkg]);
  if (wrong.length > 0) {
    const list = wrong.map(([pkg, file]) => `${pkg} (${file})`).join(', ');
    throw new Error(`build ${name} needs packages that are not production dependencies: ${list}`);
  }
  return Object.fromEntries([...packages.keys()].sort().map((pkg) => [pkg, rootPackage.dependencies[pkg]]));
}

function build(name, dist) {
  const spec = BUILDS[name];
  if (!spec) throw new Error(`no build named ${name}; known: ${Object.keys(BUILDS).join(', ')}`);
  const final = join(dist, spec.out);
  // Written beside and swapped in at the end, so a process starting meanwhile finds the old build
  // or none (scripts/built.js then runs the sources), never half a build.
  const out = `${final}.building-${process.pid}`;
  rmSync(out, { recursive: true, force: true });
  const { sources, packages } = emit(spec, out);
  const dependencies = dependenciesOf(name, packages);
  for (const asset of spec.assets ?? []) cpSync(join(ROOT, asset), join(out, asset), { recursive: true });
  if (spec.package) {
    const { version, license, engines, description } = rootPackage;
    const manifest = { ...spec.package, version, description, license, engines, private: true, dependencies };
    writeFileSync(join(out, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'));
    writeFileSync(join(out, 'npm-shrinkwrap.json'), `${JSON.stringify(shrinkwrapFor(lock, manifest), null, 2)}\n`);
  }
  const inputs = Object.fromEntries([...SETTINGS, ...sources].map((file) => [file, sha256(join(ROOT, file))]));
  writeFileSync(join(out, MANIFEST), `${JSON.stringify({ name, entries: spec.entries, dependencies, inputs }, null, 2)}\n`);
  rmSync(final, { recursive: true, force: true });
  renameSync(out, final);
  return { name, out: relative(ROOT, final), files: sources.length, dependencies: Object.keys(dependencies).length };
}

function main(args) {
  const started = Date.now();
  const at = args.indexOf('--out');
  const dist = at < 0 ? join(ROOT, 'dist') : resolve(args[at + 1] ?? '');
  const names = at < 0 ? args : [...args.slice(0, at), ...args.slice(at + 2)];
  for (const name of names.length > 0 ? names : Object.keys(BUILDS)) {
    const done = build(name, dist);
    console.log(`built ${done.name}: ${done.files} files into ${done.out} (${done.dependencies} production dependencies)`);
  }
  console.log(`build finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

try {
  main(process.argv.slice(2));
} catch (error) {
  console.error(`build failed: ${error.message}`);
  process.exit(1);
}
