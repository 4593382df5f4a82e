import { randomFillSync } from 'node:crypto';
import {
  context,
  isSpanContextValid,
  trace,
  TraceFlags,
  type Context,
  type Span,
  type SpanContext,
  type SpanOptions,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';

/** Enough random bytes for about 170 spans (24 bytes each) per refill. */
const POOL_BYTES = 4_096;
const ALL_ZERO = /^0+$/;

/**
 * W3C ids in hex, cut from a pool of cryptographically random bytes refilled in bulk: one
 * randomFillSync call per pool instead of per id (the SDK's generator calls Math.random per 4 bytes).
 */
export class RandomIds {
  private readonly pool = Buffer.alloc(POOL_BYTES);
  private offset = POOL_BYTES;

  /** 32 hex digits, never all zero (an all-zero id is invalid in W3C trace context). */
  traceId(): string {
    return this.nonZero(16);
  }

  /** 16 hex digits, never all zero. */
  spanId(): string {
    return this.nonZero(8);
  }

  private nonZero(bytes: number): string {
    for (;;) {
      if (this.offset + bytes > POOL_BYTES) {
        randomFillSync(this.pool);
        this.offset = 0;
      }
      const start = this.offset;
      this.offset += bytes;
      const hex = this.pool.toString('hex', start, this.offset);
      if (!ALL_ZERO.test(hex)) return hex;
    }
  }
}

/**
 * The tracer of a process that exports no spans. Its spans only carry ids, which is all the logs,
 * the stored events and the bus headers need: a child keeps its parent's trace id (and trace
 * state) and gets a span id of its own; a root starts a trace. Sampling follows what the SDK's
 * parent-based always-on sampler decides (a root is sampled, a child is sampled when its parent
 * is), so a traceparent written here reads the same as with the SDK. Non-recording: attributes,
 * events and status are dropped, and nothing is allocated for them. About a quarter of the SDK
 * span's cost (docs/operations.md, "What runs on the hot path").
 */
export class IdOnlyTracer implements Tracer {
  constructor(private readonly ids = new RandomIds()) {}

  startSpan(_name: string, options?: SpanOptions, ctx: Context = context.active()): Span {
    const parent = options?.root ? undefined : trace.getSpanContext(ctx);
    return trace.wrapSpanContext(parent && isSpanContextValid(parent) ? this.child(parent) : this.root());
  }

  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    ...args: [F] | [SpanOptions, F] | [SpanOptions, Context, F]
  ): ReturnType<F> {
    const fn = args[args.length - 1] as (span: Span) => ReturnType<F>;
    const options = args.length > 1 ? (args[0] as SpanOptions) : undefined;
    const parent = args.length > 2 ? (args[1] as Context) : context.active();
    const span = this.startSpan(name, options, parent);
    return context.with(trace.setSpan(parent, span), fn, undefined, span);
  }

  private child(parent: SpanContext): SpanContext {
    const traceFlags = parent.traceFlags & TraceFlags.SAMPLED;
    const own = { traceId: parent.traceId, spanId: this.ids.spanId(), traceFlags };
    return parent.traceState ? { ...own, traceState: parent.traceState } : own;
  }

  private root(): SpanContext {
    return { traceId: this.ids.traceId(), spanId: this.ids.spanId(), traceFlags: TraceFlags.SAMPLED };
  }
}

/** Every tracer of the process is the one id-only tracer (names and versions make no difference here). */
export class IdOnlyTracerProvider implements TracerProvider {
  private readonly tracer = new IdOnlyTracer();

  getTracer(): Tracer {
    return this.tracer;
  }
}
