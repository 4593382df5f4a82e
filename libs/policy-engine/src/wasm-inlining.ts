import { setFlagsFromString } from 'node:v8';

/**
 * Imported before Cedar's WebAssembly, by every module of the engine that calls it. The services
 * run Cedar on V8's baseline compiler only (`--liftoff-only`, scripts/service.js); with that flag,
 * Node 20's V8 aborts the whole process ("Fatal error ... unreachable code" in
 * Deoptimizer::DoComputeBuiltinContinuation) when optimized JavaScript that inlined a call into
 * Cedar is deoptimized while the call is running (Cedar calls back into JSON.parse, which can do
 * that). Measured: 4 of 8 runs of 10,000 decideRequest calls with distinct requesters aborted;
 * 0 of 12 with JS-to-WebAssembly inlining off, at the same cost per call. Set before any such code
 * is optimized, i.e. before the first Cedar call.
 */
setFlagsFromString('--no-turbo-inline-js-wasm-calls');
