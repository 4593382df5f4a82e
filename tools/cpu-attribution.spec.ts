import { resolve } from 'node:path';
import { attribute, functionName, parsePerfScript, report, whereOf } from './cpu-attribution';

/** Where this checkout is: perf names JIT code by its absolute path. */
const REPO = resolve(__dirname, '..');
const NODE = '(/usr/bin/node)';
const MAP = '(/tmp/perf-100.map)';
const INSPAN = `JS:*inSpan ${REPO}/dist/apps/broker/libs/messaging/src/trace-context.js:106:22 ${MAP}`;
const DRAIN = `JS:^drain ${REPO}/dist/apps/broker/libs/messaging/src/transport.js:88:16 ${MAP}`;

/** `perf script -F comm,pid,tid,ip,sym,dso` as perf prints it (leaf first), one sample per kind of place. */
const PERF_SCRIPT = [
  'node 100/100 ',
  `\t1 Builtins_LoadIC ${NODE}`,
  `\t2 ${INSPAN}`,
  `\t3 ${DRAIN}`,
  '',
  'node 100/100 ',
  '\tffffffff81000001 ext4_sync_file ([kernel.kallsyms])',
  '\t4 __fsync (/usr/lib/x86_64-linux-gnu/libc.so.6)',
  `\t5 Database::JS_exec (${REPO}/node_modules/better-sqlite3/build/Release/better_sqlite3.node)`,
  `\t6 JS:^exec ${REPO}/node_modules/better-sqlite3/lib/methods/wrappers.js:8:29 ${MAP}`,
  'node 100/100 ',
  `\t7 ${DRAIN}`,
  'node 100/100 ',
  `\t8 fe_mul ${NODE}`,
  `\t9 node::crypto::Verify ${NODE}`,
  `\ta JS:*verifyOneShot node:internal/crypto/sig:234:23 ${MAP}`,
  'node 100/100 ',
  `\tb __memmove_avx_unaligned_erms (/usr/lib/x86_64-linux-gnu/libc.so.6)`,
  `\tc v8::internal::Scavenger::ScavengeObject ${NODE}`,
  `\td ${DRAIN}`,
  'node 100/100 ',
  `\te sqlite3VdbeExec (${REPO}/node_modules/better-sqlite3/build/Release/better_sqlite3.node)`,
  '\tf _int_malloc (/usr/lib/x86_64-linux-gnu/libc.so.6)',
  '\t10 [unknown] ([unknown])',
  'node 100/100 ',
  `\t11 std::_Function_handler<void (), node::SomeTask>::_M_invoke ${NODE}`,
  `\t12 JS:wasm-function[12]-12-liftoff ${MAP}`,
  'node 100/100 ',
  '\t19 _int_malloc (/usr/lib/x86_64-linux-gnu/libc.so.6)',
  `\t1a ${INSPAN}`,
  'node 100/100 ',
  `\t1b ${INSPAN}`,
  'V8 Worker 100/104 ',
  `\t13 v8::internal::compiler::GraphReducer::ReduceTop ${NODE}`,
  `\t14 v8::internal::OptimizingCompileDispatcher::CompileTask::RunInternal ${NODE}`,
  'node 100/105 ',
  `\t15 v8::internal::ConcurrentMarking::RunMajor ${NODE}`,
  ':-1 100/-1 ',
  '\tffffffff81000002 do_exit ([kernel.kallsyms])',
  'node 300/300 ',
  `\t16 JS:~main ${REPO}/test/bench/reference-chain/hop.ts:140:1 (/tmp/perf-300.map)`,
  'node 300/300 ',
  `\t17 JS:+processBatch ${REPO}/test/bench/reference-chain/hop.ts:131:1 (/tmp/perf-300.map)`,
  'nats-server 200/201 ',
  '\t18 runtime.futex (/usr/sbin/nats-server)',
  '',
].join('\n');

describe('cpu-attribution', () => {
  const samples = parsePerfScript(PERF_SCRIPT);

  it('reads each sample with its process, thread and frames, leaf first; a line it cannot read ends the sample before it', () => {
    expect(samples.map(({ comm, pid, tid, frames }) => `${comm} ${pid}/${tid} ${frames.length}`)).toEqual([
      'node 100/100 3',
      'node 100/100 4',
      'node 100/100 1',
      'node 100/100 3',
      'node 100/100 3',
      'node 100/100 3',
      'node 100/100 2',
      'node 100/100 2',
      'node 100/100 1',
      'V8 Worker 100/104 2',
      'node 100/105 1',
      'node 300/300 1',
      'node 300/300 1',
      'nats-server 200/201 1',
    ]);
  });

  it('keeps a C++ symbol whole when it holds parentheses, and the library after it', () => {
    expect(samples[6]!.frames[0]).toEqual({ symbol: 'std::_Function_handler<void (), node::SomeTask>::_M_invoke', dso: '/usr/bin/node' });
    expect(samples[5]!.frames[2]).toEqual({ symbol: '[unknown]', dso: '[unknown]' });
  });

  it('tells where each sample ran: GC and crypto by the native stack under the JavaScript, else by the leaf', () => {
    expect(samples.map(whereOf)).toEqual([
      'v8 builtins',
      'kernel',
      'js baseline',
      'crypto',
      'gc',
      'sqlite',
      'v8/node runtime',
      'libc',
      'js optimized',
      'thread: compiler',
      'thread: gc',
      'js interpreted',
      'js maglev',
      'thread: other',
    ]);
  });

  it('names a JavaScript function by its repository path, without the build folder or the column', () => {
    expect(functionName(`JS:*inSpan ${REPO}/dist/apps/broker/libs/messaging/src/trace-context.js:106:22`)).toBe(
      'inSpan libs/messaging/src/trace-context.js:106',
    );
    expect(functionName('JS:*inSpan /elsewhere/checkout/dist/apps/broker/libs/messaging/src/trace-context.js:106:22')).toBe(
      'inSpan libs/messaging/src/trace-context.js:106',
    );
    expect(functionName(`JS:^exec ${REPO}/node_modules/better-sqlite3/lib/methods/wrappers.js:8:29`)).toBe(
      'exec better-sqlite3/lib/methods/wrappers.js:8',
    );
    expect(functionName(`JS:^ ${REPO}/dist/apps/audit/libs/event-store/src/sqlite-seen-markers.js:33:57`)).toBe(
      'libs/event-store/src/sqlite-seen-markers.js:33',
    );
    expect(functionName('JS:~processTicksAndRejections node:internal/process/task_queues:67:35')).toBe(
      'processTicksAndRejections node:internal/process/task_queues:67',
    );
  });

  it('charges each main-thread sample to its nearest JavaScript function and counts its tier; processes without JavaScript are left out', () => {
    const profiles = attribute(samples);
    expect(profiles.map(({ pid, name, samples: count }) => `${name} ${pid} ${count}`)).toEqual(['broker 100 11', 'reference hop 300 2']);
    const [broker] = profiles;
    expect(broker!.tiers).toEqual({ optimized: 4, baseline: 3, wasm: 1, 'no js': 1 });
    expect([...broker!.functions]).toEqual([
      ['inSpan libs/messaging/src/trace-context.js:106', 3],
      ['exec better-sqlite3/lib/methods/wrappers.js:8', 1],
      ['drain libs/messaging/src/transport.js:88', 2],
      ['verifyOneShot node:internal/crypto/sig:234', 1],
      ['(no js)', 1],
      ['wasm-function[12]-12-liftoff', 1],
    ]);
  });

  it('reports the busiest processes first, each share of its own samples, leaving out those with fewer than asked', () => {
    const lines = report(attribute(samples), 1, 2).split('\n');
    expect(lines).toEqual([
      'broker (pid 100): 11 samples; v8 builtins 9.1%, kernel 9.1%, js baseline 9.1%, crypto 9.1%, gc 9.1%, sqlite 9.1%, v8/node runtime 9.1%, libc 9.1%, js optimized 9.1%, thread: compiler 9.1%, thread: gc 9.1%',
      "  main thread (81.8%) by its JavaScript's tier: optimized 44.4%, baseline 33.3%, no js 11.1%, wasm 11.1%",
      '   27.3%  inSpan libs/messaging/src/trace-context.js:106',
      'reference hop (pid 300): 2 samples; js interpreted 50.0%, js maglev 50.0%',
      "  main thread (100.0%) by its JavaScript's tier: interpreted 50.0%, maglev 50.0%",
      '   50.0%  main test/bench/reference-chain/hop.ts:140',
    ]);
    expect(report(attribute(samples), 1, 3).split('\n')[0]).toMatch(/^broker /);
    expect(report(attribute(samples), 1, 12)).toBe('');
  });
});
