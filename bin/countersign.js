#!/usr/bin/env node
'use strict';
// The operator CLI. In the repository it runs its build in dist/ when that is fresh, else the
// TypeScript sources through @swc-node/register with the @countersign/* path aliases; in the npm
// package (scripts/build.js cli, then `npm pack dist/apps/cli`) it runs the build next to it, with
// the production dependencies only. scripts/built.js decides (COUNTERSIGN_RUN_FROM=built|source forces one).
const { join } = require('node:path');
const { requireEntry } = require(join(__dirname, '..', 'scripts', 'built.js'));

const { main } = requireEntry('cli', 'apps/cli/src/main.ts');
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`countersign: ${error && error.stack ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  },
);
