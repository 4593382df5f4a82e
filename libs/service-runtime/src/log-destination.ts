import { pino, type DestinationStream } from 'pino';

/** A buffered batch is written once it holds this many characters (about 18 `decided` lines)... */
export const LOG_BUFFER_CHARS = 8_192;
/** ...or this long after its first line, whichever comes first. */
export const LOG_FLUSH_MS = 100;
/** pino's numeric `warn`: lines at this level and above are never held back. */
const WARN = 40;

/** Where batches go, as far as this module needs it: a pino destination (SonicBoom) or a stand-in. */
export interface LineWriter {
  write(chunk: string): unknown;
  flushSync(): void;
}

export interface LogDestinationOptions {
  /** Batches go here: a synchronous pino destination on stdout unless given (tests). */
  writer?: LineWriter;
  /**
   * The held batch at exit: a fresh synchronous destination on stdout unless given, because pino
   * ends `writer` itself on `beforeExit` (a process whose event loop ran dry).
   */
  writeSync?: (chunk: string) => void;
  maxChars?: number;
  flushMs?: number;
}

/**
 * The service log's stdout: lines written in batches instead of one write each. Each write to the
 * pipe the stack launcher reads cost the process a thread-pool round trip (pino's default
 * destination is asynchronous, one `fs.write` per line when idle) and woke the reader once per line;
 * a batch costs one synchronous `write` (a pipe with room takes it in microseconds), and with no
 * write ever in flight on the thread pool, lines reach stdout in the order they were logged, at exit
 * too. What stays prompt:
 * - every line until `buffer(true)` (start-up: a process that hangs or is killed while starting has
 *   written everything it said) and after `buffer(false)` (shutdown);
 * - a `warn`, `error` or `fatal` line, which writes itself and everything before it at once;
 * - at process exit (`process.exit`, a signal handler that exits, an uncaught exception or unhandled
 *   rejection) the held lines are written synchronously.
 * A SIGKILL (or a V8 abort) loses at most the held batch: under LOG_BUFFER_CHARS, at most
 * LOG_FLUSH_MS old. A stdout nobody reads blocks the writer once the pipe is full (as a full disk
 * would) instead of piling lines up in memory. docs/operations.md ("Logs").
 */
export class LogDestination implements DestinationStream {
  /** pino sets `lastLevel` before each write when the stream asks for metadata. */
  readonly [pino.symbols.needsMetadataGsym] = true;
  lastLevel = 0;
  lastObj: unknown;
  lastMsg: unknown;
  lastLogger: unknown;
  private held = '';
  private buffered = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly writer: LineWriter;
  private readonly writeSync: (chunk: string) => void;
  private readonly maxChars: number;
  private readonly flushMs: number;

  constructor(options: LogDestinationOptions = {}) {
    // Synchronous: an asynchronous batch still on the thread pool at exit was overtaken by the exit's
    // synchronous write (lines out of order), or lost.
    this.writer = options.writer ?? pino.destination({ dest: 1, sync: true });
    this.writeSync = options.writeSync ?? ((chunk) => pino.destination({ dest: 1, sync: true }).write(chunk));
    this.maxChars = options.maxChars ?? LOG_BUFFER_CHARS;
    this.flushMs = options.flushMs ?? LOG_FLUSH_MS;
  }

  write(line: string): void {
    // pino leaves the caller's fields (unredacted) here for metadata readers: keep none of them alive.
    this.lastObj = this.lastMsg = this.lastLogger = undefined;
    this.held += line;
    if (!this.buffered || this.lastLevel >= WARN || this.held.length >= this.maxChars) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.flushMs).unref();
  }

  /** Holds info lines back from now on (true), or writes what is held and every later line at once (false). */
  buffer(on: boolean): void {
    if (!on) this.flush();
    this.buffered = on;
  }

  /** Writes what is held through the writer; `done` (pino's `logger.flush`) once written. */
  flush(done?: () => void): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.held !== '') this.writer.write(this.take());
    done?.();
  }

  /** Writes what the writer still has, then what is held, before this returns (at exit). */
  flushSync(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.take();
    // Each step on its own: stdout may be closed (EPIPE: nothing left to write to), and pino ends
    // its writer itself on `beforeExit` (a process whose event loop ran dry), after which
    // `flushSync` throws although nothing is left in it.
    attempt(() => this.writer.flushSync());
    if (batch !== '') attempt(() => this.writeSync(batch));
  }

  private take(): string {
    const batch = this.held;
    this.held = '';
    return batch;
  }
}

function attempt(write: () => void): void {
  try {
    write();
  } catch {
    // See flushSync: at exit there is no one to tell.
  }
}

/**
 * The process's stdout log destination, flushed synchronously when the process exits or is about
 * to report an uncaught error. One per process (later calls return the first, whatever their
 * options); tests build a LogDestination over their own writer.
 */
export function stdoutLogDestination(options: Pick<LogDestinationOptions, 'maxChars' | 'flushMs'> = {}): LogDestination {
  if (stdoutDestination) return stdoutDestination;
  const destination = new LogDestination(options);
  // Before Node prints an uncaught error (or rejection) to stderr, so the lines logged before it come first.
  process.on('uncaughtExceptionMonitor', () => destination.flushSync());
  process.once('exit', () => destination.flushSync());
  stdoutDestination = destination;
  return destination;
}

let stdoutDestination: LogDestination | undefined;
