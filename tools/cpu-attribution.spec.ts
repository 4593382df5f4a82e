import { resolve } from 'node:path';
import { attribute, functionName, parsePerfScript, report, whereOf } from './cpu-attribution';

/** Where this checkout is: perf names JIT code by its absolute path. */
const REPO = resolve(__dirname, '..');

/** `perf script -F comm,pid,tid,ip,sym,dso` as perf prints it (leaf first), trimmed to a few samples. */
const PERF_SCRIPT = [
  'node 100/100 ',
  '\t    7f0000000001 Builtins_LoadIC (/usr/bin/node)',
  `\t    7f0000000002 JS:*inSpan ${REPO}/dist/apps/broker/libs/messaging/src/trace-context.js:106:22 (/tmp/perf-100.map)`,
  `\t    7f0000000003 JS:^drain ${REPO}/dist/apps/broker/libs/messaging/src/transport.js:88:16 (/tmp/perf-100.map)`,
  '',
  'node 100/100 ',
  '\tffffffff81000001 ext4_sync_file ([kernel.kallsyms])',
  '\t    7f0000000004 __fsync (/usr/lib/x86_64-linux-gnu/libc.so.6)',
  `\t    7f0000000005 Database::JS_exec (${REPO}/node_modules/better-sqlite3/build/Release/better_sqlite3.node)`,
  `\t    7f0000000006 JS:^exec ${REPO}/node_modules/better-sqlite3/lib/methods/wrappers.js:8:29 (/tmp/perf-100.map)`,
  '',
  'node 100/100 ',
  `\t    7f0000000007 JS:^drain ${REPO}/dist/apps/broker/libs/messaging/src/transport.js:88:16 (/tmp/perf-100.map)`,
  '',
  'V8 Worker 100/104 ',
  '\t    7f0000000008 v8::internal::compiler::GraphReducer::ReduceTop (/usr/bin/node)',
  '\t    7f0000000009 v8::internal::OptimizingCompileDispatcher::CompileTask::RunInternal (/usr/bin/node)',
  '',
  'nats-server 200/201 ',
  '\t    7f000000000a runtime.futex (/usr/sbin/nats-server)',
  '',
].join('\n');

describe('cpu-attribution', () => {
  const samples = parsePerfScript(PERF_SCRIPT);

  it('reads each sample with its process, thread and frames, leaf first', () => {
    expect(samples.map(({ comm, pid, tid, frames }) => ({ comm, pid, tid, frames: frames.length }))).toEqual([
      { comm: 'node', pid: 100, tid: 100, frames: 3 },
      { comm: 'node', pid: 100, tid: 100, frames: 4 },
      { comm: 'node', pid: 100, tid: 100, frames: 1 },
      { comm: 'V8 Worker', pid: 100, tid: 104, frames: 2 },
      { comm: 'nats-server', pid: 200, tid: 201, frames: 1 },
    ]);
    expect(samples[1]!.frames[2]).toEqual({
      symbol: 'Database::JS_exec',
      dso: `${REPO}/node_modules/better-sqlite3/build/Release/better_sqlite3.node`,
    });
  });

  it('tells where each sample ran: its leaf on the main thread, what another thread was doing', () => {
    expect(samples.map(whereOf)).toEqual(['v8 builtins', 'kernel', 'js baseline', 'thread: compiler', 'thread: other']);
  });

  it('names a JavaScript function by its repository path, without the build folder or the column', () => {
    expect(functionName(`JS:*inSpan ${REPO}/dist/apps/broker/libs/messaging/src/trace-context.js:106:22`)).toBe(
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

  it('charges each main-thread sample to its nearest JavaScript function, builtins and kernel included', () => {
    const [broker, nats] = attribute(samples);
    expect(broker).toMatchObject({ pid: 100, name: 'broker', samples: 4, tiers: { optimized: 1, baseline: 2 } });
    expect(broker!.where).toEqual({ 'v8 builtins': 1, kernel: 1, 'js baseline': 1, 'thread: compiler': 1 });
    expect([...broker!.functions]).toEqual([
      ['inSpan libs/messaging/src/trace-context.js:106', 1],
      ['exec better-sqlite3/lib/methods/wrappers.js:8', 1],
      ['drain libs/messaging/src/transport.js:88', 1],
    ]);
    expect(nats).toMatchObject({ pid: 200, name: 'nats-server', samples: 1, tiers: {} });
  });

  it('reports the busiest processes first, leaving out those with fewer samples than asked', () => {
    expect(report(attribute(samples), 2, 2).split('\n')).toEqual([
      'broker (pid 100): 4 samples; v8 builtins 25.0%, kernel 25.0%, js baseline 25.0%, thread: compiler 25.0%',
      "  main thread by its JavaScript's tier: baseline 66.7%, optimized 33.3%",
      '   25.0%  inSpan libs/messaging/src/trace-context.js:106',
      '   25.0%  exec better-sqlite3/lib/methods/wrappers.js:8',
    ]);
  });
});
