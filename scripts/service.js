#!/usr/bin/env node
// Runs one Countersign process from source: node scripts/service.js <intake|approval|broker|executor|audit|slack-edge|demo-target|siem-forwarder>
const path = require('node:path');

const root = path.join(__dirname, '..');
const known = ['intake', 'approval', 'broker', 'executor', 'audit', 'slack-edge', 'demo-target', 'siem-forwarder'];
const name = process.argv[2];
if (!known.includes(name)) {
  console.error(`usage: node scripts/service.js <${known.join('|')}>`);
  process.exit(2);
}
// Cedar's WebAssembly (approval, broker, executor) stays on V8's baseline compiler: optimizing it
// costs about 40 MB per process and a burst of compilation on the first decisions, for calls about
// a quarter faster afterwards (two Cedar calls per auto-approved request). Set before anything
// compiles WebAssembly; docs/operations.md has the figures.
require('node:v8').setFlagsFromString('--liftoff-only');
// Not @swc-node/register: the same compilation without the TypeScript compiler in memory.
require('./register-service').register();
require(path.join(root, 'apps', name, 'src', 'main.ts'));
