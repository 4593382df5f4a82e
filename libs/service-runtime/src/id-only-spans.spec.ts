import { context, createTraceState, ROOT_CONTEXT, trace, TraceFlags, type SpanContext } from '@opentelemetry/api';
import { contextFromTraceparent, inSpan, traceIdOf, traceparentOf } from '@countersign/messaging';
import { IdOnlyTracer, RandomIds } from './id-only-spans';
import { startTracing } from './tracing';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_SPAN = '00f067aa0ba902b7';
const W3C = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/;

const parentContext = (flags: TraceFlags, traceState?: string): SpanContext => ({
  traceId: TRACE_ID,
  spanId: PARENT_SPAN,
  traceFlags: flags,
  isRemote: true,
  ...(traceState ? { traceState: createTraceState(traceState) } : {}),
});

describe('id-only spans (no OTLP endpoint)', () => {
  const tracer = new IdOnlyTracer();

  it('starts a sampled trace of fresh, valid ids for a root span, and a new one each time', () => {
    const a = tracer.startSpan('a', {}, ROOT_CONTEXT).spanContext();
    const b = tracer.startSpan('b', {}, ROOT_CONTEXT).spanContext();
    expect(a).toMatchObject({ traceId: expect.stringMatching(/^[0-9a-f]{32}$/), spanId: expect.stringMatching(/^[0-9a-f]{16}$/) });
    expect(a.traceFlags).toBe(TraceFlags.SAMPLED);
    expect(b.traceId).not.toBe(a.traceId);
    expect(b.spanId).not.toBe(a.spanId);
  });

  it('keeps a parent’s trace id, trace state and sampling, under a span id of its own', () => {
    const parent = trace.setSpanContext(ROOT_CONTEXT, parentContext(TraceFlags.SAMPLED, 'vendor=x'));
    const child = tracer.startSpan('child', {}, parent).spanContext();
    expect(child).toMatchObject({ traceId: TRACE_ID, traceFlags: TraceFlags.SAMPLED });
    expect(child.spanId).not.toBe(PARENT_SPAN);
    expect(child.traceState?.serialize()).toBe('vendor=x');
    const unsampled = trace.setSpanContext(ROOT_CONTEXT, parentContext(TraceFlags.NONE));
    expect(tracer.startSpan('child', {}, unsampled).spanContext().traceFlags).toBe(TraceFlags.NONE);
  });

  it('starts a new trace for a root span even inside one, and records nothing', () => {
    const parent = trace.setSpanContext(ROOT_CONTEXT, parentContext(TraceFlags.SAMPLED));
    const span = tracer.startSpan('root', { root: true }, parent);
    expect(span.spanContext().traceId).not.toBe(TRACE_ID);
    expect(span.isRecording()).toBe(false);
  });

  it('draws distinct ids across many refills of its random pool', () => {
    const ids = new RandomIds();
    const spans = new Set(Array.from({ length: 2_000 }, () => ids.spanId()));
    const traces = new Set(Array.from({ length: 2_000 }, () => ids.traceId()));
    expect([spans.size, traces.size]).toEqual([2_000, 2_000]);
  });
});

describe('a service without an OTLP endpoint', () => {
  let tracing: ReturnType<typeof startTracing>;
  beforeAll(() => (tracing = startTracing('broker', {})));
  afterAll(async () => {
    await tracing.shutdown();
    trace.disable();
    context.disable();
  });

  it('exports nothing and still writes valid traceparents, each span a child of the one it runs in', async () => {
    expect(tracing.endpoint).toBeUndefined();
    const inbound = contextFromTraceparent(`00-${TRACE_ID}-${PARENT_SPAN}-01`)!;
    const written = await inSpan('process', inbound, {}, (_span, processCtx) =>
      inSpan('decide', processCtx, {}, async (_inner, decideCtx) => {
        await Promise.resolve();
        return [traceparentOf(processCtx)!, traceparentOf(decideCtx)!, traceparentOf()!];
      }),
    );
    for (const traceparent of written) expect(traceparent).toMatch(W3C);
    expect(written.map(traceIdOf)).toEqual([TRACE_ID, TRACE_ID, TRACE_ID]);
    const spanIds = written.map((traceparent) => W3C.exec(traceparent)![2]);
    expect(new Set([PARENT_SPAN, ...spanIds.slice(0, 2)]).size).toBe(3);
    // The active context follows the work across awaits (the context manager is registered).
    expect(written[2]).toBe(written[1]);
  });

  it('runs startActiveSpan’s function in the new span (the API’s other way to make one)', () => {
    const parent = trace.setSpanContext(ROOT_CONTEXT, parentContext(TraceFlags.SAMPLED));
    const seen = new IdOnlyTracer().startActiveSpan('active', {}, parent, (span) => [
      span.spanContext(),
      trace.getSpanContext(context.active()),
    ]);
    expect(seen[1]).toBe(seen[0]);
    expect(seen[0]!.traceId).toBe(TRACE_ID);
  });

  it('starts a trace of its own for work that came with none', async () => {
    const traceparent = await inSpan('tick', ROOT_CONTEXT, { fresh: true }, () => Promise.resolve(traceparentOf()));
    expect(traceparent).toMatch(W3C);
    expect(traceIdOf(traceparent)).not.toBe(TRACE_ID);
  });
});
