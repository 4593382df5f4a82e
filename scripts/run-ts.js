#!/usr/bin/env node
// Runs a TypeScript entry point of this repository with the workspace's path aliases. An entry
// that is part of a build (scripts/built.js: the provisioning tools) runs as that build says, so
// it also runs in the image, which holds the build and not the sources.
const path = require('node:path');
const { BUILDS, ROOT, requireEntry } = require('./built');

const entry = path.relative(ROOT, path.resolve(process.argv[2])).split(path.sep).join('/');
process.argv.splice(1, 2, path.resolve(entry));
const build = Object.keys(BUILDS).find((name) => BUILDS[name].entries.includes(entry));
if (build) {
  requireEntry(build, entry);
} else {
  requireEntry(undefined, entry, { COUNTERSIGN_RUN_FROM: 'source' });
}
