import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * On-CPU attribution of `perf` samples of Node processes (issue 14; docs/operations.md, "On-CPU
 * profiles"). V8's own profiler (`--cpu-prof`) samples the main thread by wall clock: a thread
 * blocked in fsync or descheduled on a busy machine is charged to whatever JavaScript was on its
 * stack, and work on V8's and libuv's other threads does not appear at all. `perf record -e
 * cpu-clock` samples only what runs, on every thread and in the kernel; with Node's
 * `--perf-basic-prof-only-functions`, JIT code is named, with its tier (`*` optimized by TurboFan,
 * `^` Sparkplug baseline, `~` interpreted).
 *
 * Reads `perf script -F comm,pid,tid,ip,sym,dso` output and tells, per process: where its samples
 * ran (which tier of JavaScript, V8's builtins and runtime, GC, SQLite, OpenSSL, the kernel, the
 * compiler and GC threads) and which JavaScript functions the main thread's samples belong to,
 * each charged with the builtins, runtime, native and kernel code it called.
 */

export interface Frame {
  symbol: string;
  dso: string;
}

export interface Sample {
  comm: string;
  pid: number;
  tid: number;
  /** Leaf first. */
  frames: Frame[];
}

export type Where =
  | 'js optimized'
  | 'js baseline'
  | 'js interpreted'
  | 'v8 builtins'
  | 'v8/node runtime'
  | 'gc'
  | 'sqlite'
  | 'openssl'
  | 'libc'
  | 'kernel'
  | 'thread: compiler'
  | 'thread: gc'
  | 'thread: other';

export interface ProcessProfile {
  pid: number;
  /** The service a process ran (from its JavaScript's paths), else its command name. */
  name: string;
  samples: number;
  where: Partial<Record<Where, number>>;
  /** Main-thread samples by the nearest JavaScript function, "(no js)" when there is none. */
  functions: Map<string, number>;
  /** Main-thread samples by the tier of their nearest JavaScript function. */
  tiers: Partial<Record<Tier, number>>;
}

export type Tier = 'optimized' | 'baseline' | 'interpreted' | 'no js';

const HEADER = /^(\S.*?)\s+(\d+)\/(\d+)\s*$/;
const FRAME = /^\s*[0-9a-f]+\s+(.*?)\s+\((.*)\)$/;
const JS_FRAME = /^JS:([*^~+]?)(.*)$/;
const TIERS: Record<string, Tier> = { '*': 'optimized', '+': 'optimized', '^': 'baseline', '~': 'interpreted' };
const tierOf = (symbol: string): Tier => TIERS[JS_FRAME.exec(symbol)?.[1] ?? ''] ?? 'interpreted';
const GC_SYMBOL = /Scaveng|MarkCompact|Marking|Sweeper|Evacuat|GarbageCollect|ConcurrentMarking|Heap::/;
const SERVICE_PATH = /(?:dist\/apps|\/apps)\/([a-z-]+)\//;
const REPO_ROOT = `${resolve(__dirname, '..')}/`;

export function parsePerfScript(text: string): Sample[] {
  const samples: Sample[] = [];
  let current: Sample | undefined;
  for (const line of text.split('\n')) {
    const header = HEADER.exec(line);
    if (header && !line.startsWith('\t') && !line.startsWith(' ')) {
      current = { comm: header[1]!, pid: Number(header[2]), tid: Number(header[3]), frames: [] };
      samples.push(current);
      continue;
    }
    const frame = FRAME.exec(line);
    if (frame && current) current.frames.push({ symbol: frame[1]!, dso: frame[2]! });
  }
  return samples;
}

const inKernel = (frame: Frame) => frame.dso.includes('kernel');
const jsFrame = (frames: Frame[]) => frames.find((frame) => JS_FRAME.test(frame.symbol));

/** Where a sample's leaf ran. */
export function whereOf(sample: Sample): Where {
  if (sample.pid !== sample.tid) {
    if (sample.frames.some((frame) => frame.symbol.includes('OptimizingCompile') || frame.symbol.includes('compiler::')))
      return 'thread: compiler';
    if (sample.frames.some((frame) => GC_SYMBOL.test(frame.symbol))) return 'thread: gc';
    return 'thread: other';
  }
  const leaf = sample.frames[0];
  if (!leaf) return 'v8/node runtime';
  if (inKernel(leaf)) return 'kernel';
  if (JS_FRAME.test(leaf.symbol)) return `js ${tierOf(leaf.symbol)}` as Where;
  if (leaf.dso.includes('better_sqlite3')) return 'sqlite';
  if (leaf.dso.includes('libcrypto') || leaf.dso.includes('libssl')) return 'openssl';
  if (/\/libc\.so|libpthread/.test(leaf.dso)) return 'libc';
  if (GC_SYMBOL.test(leaf.symbol)) return 'gc';
  if (leaf.symbol.startsWith('Builtins_')) return 'v8 builtins';
  return 'v8/node runtime';
}

/**
 * `inSpan libs/messaging/src/trace-context.js:106` from `JS:*inSpan <repository>/dist/apps/broker/libs/messaging/src/trace-context.js:106:22`:
 * a package's path from its folder in node_modules, this repository's from its root (a service's
 * build folder left out), Node's own as they are.
 */
export function functionName(symbol: string): string {
  const body = JS_FRAME.exec(symbol)?.[2] ?? symbol;
  const space = body.lastIndexOf(' ');
  const name = body.slice(0, Math.max(space, 0));
  const packaged = body.slice(space + 1).split('/node_modules/');
  const location = (
    packaged.length > 1 ? packaged.at(-1)! : packaged[0]!.replace(REPO_ROOT, '').replace(/^dist\/apps\/[a-z-]+\//, '')
  ).replace(/:(\d+):\d+$/, ':$1');
  return name ? `${name} ${location}` : location;
}

const increment = <K>(counts: Map<K, number>, key: K) => counts.set(key, (counts.get(key) ?? 0) + 1);
const commonest = <K>(counts: Map<K, number>): K | undefined => [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];

/** The service whose code the samples ran most (`dist/apps/<name>/` or `apps/<name>/`), else the commonest command name. */
function nameOf(samples: Sample[]): string {
  const services = new Map<string, number>();
  const commands = new Map<string, number>();
  for (const sample of samples) {
    increment(commands, sample.comm);
    for (const frame of sample.frames) {
      const service = SERVICE_PATH.exec(frame.symbol)?.[1];
      if (service) increment(services, service);
    }
  }
  return commonest(services) ?? commonest(commands) ?? '?';
}

export function attribute(samples: Sample[]): ProcessProfile[] {
  const byPid = new Map<number, Sample[]>();
  for (const sample of samples) {
    const own = byPid.get(sample.pid);
    if (own) own.push(sample);
    else byPid.set(sample.pid, [sample]);
  }
  return [...byPid].map(([pid, own]) => {
    const where: Partial<Record<Where, number>> = {};
    const tiers: Partial<Record<Tier, number>> = {};
    const functions = new Map<string, number>();
    for (const sample of own) {
      const at = whereOf(sample);
      where[at] = (where[at] ?? 0) + 1;
      if (sample.pid !== sample.tid) continue;
      const js = jsFrame(sample.frames);
      const tier = js ? tierOf(js.symbol) : 'no js';
      tiers[tier] = (tiers[tier] ?? 0) + 1;
      increment(functions, js ? functionName(js.symbol) : '(no js)');
    }
    return { pid, name: nameOf(own), samples: own.length, where, tiers, functions };
  });
}

const percent = (part: number, whole: number) => `${((100 * part) / whole).toFixed(1)}%`;

export function report(profiles: ProcessProfile[], top = 20, minimumSamples = 100): string {
  const lines: string[] = [];
  for (const profile of [...profiles].sort((a, b) => b.samples - a.samples)) {
    if (profile.samples < minimumSamples) continue;
    const shares = (counts: Partial<Record<string, number>>, whole: number) =>
      Object.entries(counts)
        .sort((a, b) => b[1]! - a[1]!)
        .map(([key, count]) => `${key} ${percent(count!, whole)}`)
        .join(', ');
    const main = Object.values(profile.tiers).reduce((sum, count) => sum + count, 0);
    lines.push(`${profile.name} (pid ${profile.pid}): ${profile.samples} samples; ${shares(profile.where, profile.samples)}`);
    if (main > 0) lines.push(`  main thread by its JavaScript's tier: ${shares(profile.tiers, main)}`);
    for (const [name, count] of [...profile.functions].sort((a, b) => b[1] - a[1]).slice(0, top))
      lines.push(`  ${percent(count, profile.samples).padStart(6)}  ${name}`);
  }
  return lines.join('\n');
}

function main(args: string[]): number {
  const file = args.find((arg) => !arg.startsWith('--'));
  const top = Number(args.find((arg) => arg.startsWith('--top='))?.slice('--top='.length) ?? 20);
  const text = readFileSync(file ?? 0, 'utf8');
  console.log(report(attribute(parsePerfScript(text)), top));
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
