'use strict';
// The npm-shrinkwrap.json of a built package (scripts/build.js): the part of the repository's
// package-lock.json its production dependencies need, at the same versions and integrity hashes.
// `npm install` of the package tarball then installs exactly what the tests ran against, and can do
// so from the npm cache alone (`--offline`): nothing has to be resolved against the registry.

/** The lockfile key a package at `from` reaches for `name`, by Node's lookup up the node_modules folders. */
function lookup(packages, from, name) {
  let base = from;
  for (;;) {
    const key = `${base ? `${base}/` : ''}node_modules/${name}`;
    if (packages[key]) return key;
    if (!base) return undefined;
    const at = base.lastIndexOf('/node_modules/');
    base = at < 0 ? '' : base.slice(0, at);
  }
}

// The lockfile carries no `resolved` URLs; without one npm asks the registry where the tarball is,
// so it could not install offline. This is the registry's fixed tarball path for a version.
const REGISTRY = 'https://registry.npmjs.org';
function tarballUrl(key, version) {
  const name = key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
  return `${REGISTRY}/${name}/-/${name.split('/').pop()}-${version}.tgz`;
}

/** What an installed package needs beside it: its dependencies and its non-optional peers. */
function needs(entry) {
  const optionalPeers = new Set(Object.entries(entry.peerDependenciesMeta ?? {}).flatMap(([name, meta]) => (meta.optional ? [name] : [])));
  return [
    ...Object.keys(entry.dependencies ?? {}).map((name) => ({ name, optional: false })),
    ...Object.keys(entry.optionalDependencies ?? {}).map((name) => ({ name, optional: true })),
    ...Object.keys(entry.peerDependencies ?? {})
      .filter((name) => !optionalPeers.has(name))
      .map((name) => ({ name, optional: false })),
  ];
}

/**
 * The shrinkwrap for a package `{name, version, dependencies}` from the repository's lockfile
 * (lockfileVersion 3). A production dependency missing from the lockfile is an error; a missing
 * optional one (another platform's binary) is left to npm, as in the repository.
 */
function shrinkwrapFor(lock, pkg) {
  const packages = lock.packages;
  const kept = new Map();
  const queue = Object.keys(pkg.dependencies).map((name) => ({ from: '', name, optional: false }));
  while (queue.length > 0) {
    const { from, name, optional } = queue.shift();
    const key = lookup(packages, from, name);
    if (!key) {
      if (optional) continue;
      throw new Error(`${name} (needed by ${from || pkg.name}) is not in package-lock.json`);
    }
    if (kept.has(key)) continue;
    // In the repository these flags say which root needs the package; here every package is production.
    const { dev: _dev, devOptional: _devOptional, peer: _peer, ...entry } = packages[key];
    kept.set(key, { resolved: tarballUrl(key, entry.version), ...entry });
    queue.push(...needs(entry).map((need) => ({ from: key, ...need })));
  }
  const root = { name: pkg.name, version: pkg.version, license: pkg.license, dependencies: pkg.dependencies };
  const sorted = [...kept.keys()].sort().map((key) => [key, kept.get(key)]);
  return {
    name: pkg.name,
    version: pkg.version,
    lockfileVersion: 3,
    requires: true,
    packages: { '': root, ...Object.fromEntries(sorted) },
  };
}

module.exports = { shrinkwrapFor };
