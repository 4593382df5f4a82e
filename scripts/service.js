#!/usr/bin/env node
// Runs one Countersign process: node scripts/service.js <intake|approval|broker|executor|audit|slack-edge|demo-target|siem-forwarder|mcp-gateway>
// Its build in dist/ when that is fresh (or the only thing here, as in the image), else the
// TypeScript sources; COUNTERSIGN_RUN_FROM=built|source forces one (scripts/built.js).
const { SERVICES, resolveEntry } = require('./built');

const name = process.argv[2];
if (!SERVICES.includes(name)) {
  console.error(`usage: node scripts/service.js <${SERVICES.join('|')}>`);
  process.exit(2);
}
// Cedar's WebAssembly (approval, broker, executor) stays on V8's baseline compiler: optimizing it
// costs about 40 MB per process and a burst of compilation on the first decisions, for calls about
// a quarter faster afterwards (two Cedar calls per auto-approved request). Set before anything
// compiles WebAssembly; docs/operations.md has the figures.
require('node:v8').setFlagsFromString('--liftoff-only');
// With --liftoff-only, Node 20's V8 aborts the whole process ("Fatal error ... unreachable code" in
// Deoptimizer::DoComputeBuiltinContinuation) when optimized JavaScript that inlined a call into
// Cedar is deoptimized while the call runs (Cedar calls back into JSON.parse, which can do that):
// 4 of 8 runs of 10,000 distinct decisions aborted; 0 of 12 with JS-to-WebAssembly inlining off,
// at the same cost per call. Off together with the flag that causes it, before anything is optimized.
require('node:v8').setFlagsFromString('--no-turbo-inline-js-wasm-calls');
// The old generation grows by a fifth before the next full collection instead of by up to 4x:
// garbage promoted in bursts (a start-up replay reading the whole store, batches under load) is
// collected before it becomes resident. Without it a replay of 50,000 audit records peaked at
// 315 MB of RSS for 87 MB of heap in use; with it, 174 MB (docs/operations.md, "Memory"). Set
// here, before the heap grows; unlike --max-semi-space-size it may not be set in NODE_OPTIONS.
require('node:v8').setFlagsFromString('--heap-growing-percent=20');
const entry = resolveEntry(name, `apps/${name}/src/main.ts`);
// From source: compiled on require without the TypeScript compiler in memory (not @swc-node/register).
if (entry.mode === 'source') require('./register-service').register();
require(entry.file);
