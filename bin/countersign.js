#!/usr/bin/env node
'use strict';
// The operator CLI runs straight from the TypeScript sources. @swc-node/register reads the tsconfig
// named by SWC_NODE_PROJECT (before TS_NODE_PROJECT and ./tsconfig.json), so pointing it at the
// repository's tsconfig makes the @countersign/* path aliases resolve from any working directory.
// SWCRC is cleared because .swcrc has no `paths`: with it set, swc-node would ignore the tsconfig.
const { join } = require('node:path');

const root = join(__dirname, '..');
process.env.SWC_NODE_PROJECT = join(root, 'tsconfig.json');
delete process.env.SWCRC;
require('@swc-node/register');

const { main } = require(join(root, 'apps/cli/src/main.ts'));
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`countersign: ${error && error.stack ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  },
);
