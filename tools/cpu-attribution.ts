import { createReadStream } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';

/**
 * On-CPU attribution of `perf` samples of Node processes (issue 14; docs/operations.md, "On-CPU
 * profiles"). V8's own profiler (`--cpu-prof`) samples the main thread by wall clock: a thread
 * blocked in fsync or descheduled on a busy machine is charged to whatever JavaScript was on its
 * stack, and work on V8's and libuv's other threads does not appear at all. `perf record -e
 * cpu-clock` samples only what runs, on every thread and in the kernel; with Node's
 * `--perf-basic-prof-only-functions` JIT code is named with its tier (`*` TurboFan, `+` Maglev,
 * `^` Sparkplug baseline, `~` interpreted, which `--interpreted-frames-native-stack` makes visible).
 *
 * Reads `perf script -F comm,pid,tid,ip,sym,dso` output line by line and tells, per process that
 * ran JavaScript: where its samples ran, and which JavaScript function each main-thread sample
 * belongs to, charged with the builtins, runtime, native and kernel code that function called.
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

export type Tier = 'optimized' | 'maglev' | 'baseline' | 'interpreted' | 'wasm';

export type Where =
  | `js ${Tier}`
  | 'v8 builtins'
  | 'v8/node runtime'
  | 'gc'
  | 'crypto'
  | 'sqlite'
  | 'libc'
  | 'kernel'
  | 'thread: compiler'
  | 'thread: gc'
  | 'thread: other';

export interface ProcessProfile {
  pid: number;
  /** The service a process ran (from its JavaScript's paths), the reference chain's hop, else its command name. */
  name: string;
  samples: number;
  where: Partial<Record<Where, number>>;
  /** Main-thread samples by the tier of their nearest JavaScript function, 'no js' when none was unwound. */
  tiers: Partial<Record<Tier | 'no js', number>>;
  /** Main-thread samples by their nearest JavaScript function, "(no js)" when none was unwound. */
  functions: Map<string, number>;
}

const HEADER = /^(\S.*?)\s+(\d+)\/(\d+)\s*$/;
// A C++ symbol may hold " (" itself (`std::function<void ()>`); the dso is the last parenthesised group.
const FRAME = /^\s*[0-9a-f]+\s+(.*\S)\s+\(((?:[^()]|\([^()]*\))*)\)$/;
const JS_FRAME = /^JS:([*+^~]?)(.*)$/;
const TIERS: Record<string, Tier> = { '*': 'optimized', '+': 'maglev', '^': 'baseline', '~': 'interpreted' };
const GC_SYMBOL =
  /Scavenger|MarkCompact|ConcurrentMarking|IncrementalMarking|MinorMarkCompact|Sweeper|Evacuat|Heap::CollectGarbage|Heap::PerformGarbageCollection/;
// This Node has OpenSSL built in, so its functions are told by name (Ed25519's field arithmetic is fe_/ge_).
const CRYPTO_SYMBOL = /^(ossl_|OPENSSL_|EVP_|CRYPTO_|BN_|fe_|ge_|x25519|ED25519|sha\d+_block|aesni_|gcm_)|node::crypto::/;
const SERVICE_PATH = /(?:dist\/apps|\/apps)\/([a-z-]+)\//;
const REFERENCE_HOP = 'reference-chain/hop';
const REPO_ROOT = `${resolve(__dirname, '..')}/`;

function tierOf(symbol: string): Tier | undefined {
  const js = JS_FRAME.exec(symbol);
  if (!js) return undefined;
  return js[2]!.startsWith('wasm-function') ? 'wasm' : (TIERS[js[1]!] ?? 'interpreted');
}

/** The frames below the nearest JavaScript frame (all of them when there is none). */
function nativeOf(frames: Frame[]): Frame[] {
  const js = frames.findIndex((frame) => tierOf(frame.symbol));
  return js < 0 ? frames : frames.slice(0, js);
}

/** Where a sample ran: on another thread, what that thread was doing; on the main thread, what its leaf was, GC and crypto told by the stack. */
export function whereOf(sample: Sample): Where {
  if (sample.pid !== sample.tid) {
    if (sample.frames.some((frame) => frame.symbol.includes('OptimizingCompile') || frame.symbol.includes('compiler::')))
      return 'thread: compiler';
    if (sample.frames.some((frame) => GC_SYMBOL.test(frame.symbol))) return 'thread: gc';
    return 'thread: other';
  }
  const leaf = sample.frames[0];
  if (!leaf) return 'v8/node runtime';
  const tier = tierOf(leaf.symbol);
  if (tier) return `js ${tier}`;
  const native = nativeOf(sample.frames);
  if (native.some((frame) => GC_SYMBOL.test(frame.symbol))) return 'gc';
  if (native.some((frame) => CRYPTO_SYMBOL.test(frame.symbol)) || /libcrypto|libssl/.test(leaf.dso)) return 'crypto';
  if (leaf.dso.includes('kernel')) return 'kernel';
  if (leaf.dso.includes('better_sqlite3')) return 'sqlite';
  if (/\/libc\.so|libpthread/.test(leaf.dso)) return 'libc';
  if (leaf.symbol.startsWith('Builtins_')) return 'v8 builtins';
  return 'v8/node runtime';
}

/**
 * `inSpan libs/messaging/src/trace-context.js:106` from `JS:*inSpan <checkout>/dist/apps/broker/libs/messaging/src/trace-context.js:106:22`:
 * a package's path from its folder in node_modules, a repository's from its root (a service's
 * build folder left out, whichever checkout it ran from), Node's own as they are.
 */
export function functionName(symbol: string): string {
  const body = JS_FRAME.exec(symbol)?.[2] ?? symbol;
  const space = body.lastIndexOf(' ');
  const name = body.slice(0, Math.max(space, 0));
  const packaged = body.slice(space + 1).split('/node_modules/');
  const location = (
    packaged.length > 1 ? packaged.at(-1)! : packaged[0]!.replace(/^.*\/dist\/apps\/[a-z-]+\//, '').replace(REPO_ROOT, '')
  ).replace(/:(\d+):\d+$/, ':$1');
  return name ? `${name} ${location}` : location;
}

const increment = <K>(counts: Map<K, number>, key: K) => counts.set(key, (counts.get(key) ?? 0) + 1);
const commonest = <K>(counts: Map<K, number>): K | undefined => [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];

/** One process's samples as they are read, counted without keeping them. */
class ProcessTally {
  samples = 0;
  ranJavaScript = false;
  readonly where: Partial<Record<Where, number>> = {};
  readonly tiers: Partial<Record<Tier | 'no js', number>> = {};
  readonly functions = new Map<string, number>();
  private readonly services = new Map<string, number>();
  private readonly commands = new Map<string, number>();

  add(sample: Sample): void {
    this.samples += 1;
    increment(this.commands, sample.comm);
    const at = whereOf(sample);
    this.where[at] = (this.where[at] ?? 0) + 1;
    const js = sample.frames.find((frame) => tierOf(frame.symbol));
    if (js) {
      this.ranJavaScript = true;
      for (const frame of sample.frames) {
        const service = frame.symbol.includes(REFERENCE_HOP) ? 'reference hop' : SERVICE_PATH.exec(frame.symbol)?.[1];
        if (service) increment(this.services, service);
      }
    }
    if (sample.pid !== sample.tid) return;
    const tier = js ? tierOf(js.symbol)! : 'no js';
    this.tiers[tier] = (this.tiers[tier] ?? 0) + 1;
    increment(this.functions, js ? functionName(js.symbol) : '(no js)');
  }

  name(): string {
    return commonest(this.services) ?? commonest(this.commands) ?? '?';
  }
}

/** Counts samples per process as they come; `profiles()` gives the processes that ran JavaScript. */
export class Attribution {
  private readonly processes = new Map<number, ProcessTally>();

  add(sample: Sample): void {
    let tally = this.processes.get(sample.pid);
    if (!tally) this.processes.set(sample.pid, (tally = new ProcessTally()));
    tally.add(sample);
  }

  profiles(): ProcessProfile[] {
    return [...this.processes]
      .filter(([, tally]) => tally.ranJavaScript)
      .map(([pid, tally]) => ({
        pid,
        name: tally.name(),
        samples: tally.samples,
        where: tally.where,
        tiers: tally.tiers,
        functions: tally.functions,
      }));
  }
}

/** Feeds `perf script` lines to `onSample`, one sample per header line and the frames under it. */
export class PerfScriptReader {
  private current: Sample | undefined;

  constructor(private readonly onSample: (sample: Sample) => void) {}

  line(text: string): void {
    const indented = text.startsWith('\t') || text.startsWith(' ');
    if (!indented) {
      this.end();
      const header = HEADER.exec(text);
      // A line that is neither a header nor a frame (perf's odd `:-1 15008/-1`) ends the sample, so its stack attaches to nothing.
      if (header) this.current = { comm: header[1]!, pid: Number(header[2]), tid: Number(header[3]), frames: [] };
      return;
    }
    const frame = FRAME.exec(text);
    if (frame && this.current) this.current.frames.push({ symbol: frame[1]!, dso: frame[2]! });
  }

  end(): void {
    if (this.current) this.onSample(this.current);
    this.current = undefined;
  }
}

export function parsePerfScript(text: string): Sample[] {
  const samples: Sample[] = [];
  const reader = new PerfScriptReader((sample) => samples.push(sample));
  text.split('\n').forEach((line) => reader.line(line));
  reader.end();
  return samples;
}

export function attribute(samples: Iterable<Sample>): ProcessProfile[] {
  const attribution = new Attribution();
  for (const sample of samples) attribution.add(sample);
  return attribution.profiles();
}

const percent = (part: number, whole: number) => `${((100 * part) / whole).toFixed(1)}%`;
const shares = (counts: Partial<Record<string, number>>, whole: number) =>
  Object.entries(counts)
    .sort((a, b) => b[1]! - a[1]!)
    .map(([key, count]) => `${key} ${percent(count!, whole)}`)
    .join(', ');

/** Busiest first; every percentage is of the process's samples, except the tier line's (of its main thread's). */
export function report(profiles: ProcessProfile[], top = 20, minimumSamples = 100): string {
  const lines: string[] = [];
  for (const profile of [...profiles].sort((a, b) => b.samples - a.samples)) {
    if (profile.samples < minimumSamples) continue;
    const main = Object.values(profile.tiers).reduce((sum, count) => sum + count, 0);
    lines.push(`${profile.name} (pid ${profile.pid}): ${profile.samples} samples; ${shares(profile.where, profile.samples)}`);
    if (main > 0) lines.push(`  main thread (${percent(main, profile.samples)}) by its JavaScript's tier: ${shares(profile.tiers, main)}`);
    for (const [name, count] of [...profile.functions].sort((a, b) => b[1] - a[1]).slice(0, top))
      lines.push(`  ${percent(count, profile.samples).padStart(6)}  ${name}`);
  }
  return lines.join('\n');
}

const USAGE = 'usage: node -r @swc-node/register tools/cpu-attribution.ts [perf-script.txt] [--top=N]  (stdin when no file is named)';

async function main(args: string[]): Promise<number> {
  const options = args.filter((arg) => arg.startsWith('--'));
  const files = args.filter((arg) => !arg.startsWith('--'));
  const top = Number(options.find((arg) => arg.startsWith('--top='))?.slice('--top='.length) ?? 20);
  if (files.length > 1 || options.some((arg) => !arg.startsWith('--top=')) || !Number.isInteger(top) || top < 0) {
    console.error(USAGE);
    return 2;
  }
  const attribution = new Attribution();
  const reader = new PerfScriptReader((sample) => attribution.add(sample));
  const input = files[0] ? createReadStream(files[0]) : process.stdin;
  for await (const line of createInterface({ input, crlfDelay: Infinity })) reader.line(line);
  reader.end();
  console.log(report(attribution.profiles(), top));
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
