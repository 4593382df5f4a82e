import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { headers, type JsMsg } from 'nats';
import { processMessage, type MessagePolicy } from './message-processor';
import { encodeEnvelope, testEnvelope, testIdentities } from './testing/envelopes';
import {
  activeTraceIds,
  contextFromHeaders,
  contextFromTraceparent,
  isFreshTrace,
  logContext,
  logFields,
  traceHeaders,
  traceIdOf,
  traceMetadata,
  traceparentOf,
  withLogFields,
} from './trace-context';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const TRACEPARENT = `00-${TRACE_ID}-00f067aa0ba902b7-01`;

// What a service's bootstrap registers (startTracing): real spans, kept across awaits.
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
trace.setGlobalTracerProvider(new TracerProvider());

describe('W3C trace context', () => {
  it('reads a valid traceparent and ignores a malformed, an all-zero or an oversized one', () => {
    expect(traceIdOf(TRACEPARENT)).toBe(TRACE_ID);
    for (const bad of ['', 'garbage', `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`, `${TRACEPARENT}${'x'.repeat(200)}`, 42, undefined])
      expect(contextFromTraceparent(bad)).toBeUndefined();
  });

  it('writes the context back out as NATS headers and stored-event metadata, and reads it from headers', () => {
    const ctx = contextFromTraceparent(TRACEPARENT)!;
    expect(traceparentOf(ctx)).toBe(TRACEPARENT);
    expect(traceMetadata(ctx)).toEqual({ traceparent: TRACEPARENT });
    expect(traceparentOf(contextFromHeaders(traceHeaders(ctx)))).toBe(TRACEPARENT);
    expect(traceHeaders(context.active())).toBeUndefined();
    expect(traceMetadata(context.active())).toEqual({});
  });
});

describe('what a log line says about its context', () => {
  it('names the trace, the span and the innermost fields given, keeping outer ones an inner call leaves out', () => {
    const traced = contextFromTraceparent(TRACEPARENT)!;
    const seen = context.with(traced, () =>
      withLogFields({ requestId: 'r-1', eventId: 'e-1' }, () =>
        withLogFields({ eventId: 'e-2', eventType: undefined }, () => logContext()),
      ),
    );
    expect(seen).toEqual({ requestId: 'r-1', eventId: 'e-2', traceId: TRACE_ID, spanId: '00f067aa0ba902b7' });
    expect(logContext(context.active())).toEqual({});
  });
});

describe('a consumed message runs in its trace', () => {
  const { signers, trust } = testIdentities(['service:intake']);
  const envelope = { ...testEnvelope(signers['service:intake']!, 'traced') };

  function delivery(traceparent?: string) {
    const msgHeaders = headers();
    if (traceparent) msgHeaders.set('traceparent', traceparent);
    return {
      subject: 'cs.evt.intake.message.deadlettered.v1',
      data: encodeEnvelope(envelope),
      headers: traceparent ? msgHeaders : undefined,
      info: { stream: 'CS_EVENTS', consumer: 'approval-intake', streamSequence: 7, deliveryCount: 1 },
      ackAck: () => Promise.resolve(true),
      nak: () => undefined,
      term: () => undefined,
      working: () => undefined,
    } as unknown as JsMsg;
  }

  async function seenByHandler(msg: JsMsg) {
    let seen: { ids: ReturnType<typeof activeTraceIds>; fresh: boolean; fields: ReturnType<typeof logFields> } | undefined;
    const policy: MessagePolicy = {
      verify: (bytes) => trust.verifyBytes(bytes),
      deadLetter: () => Promise.resolve(),
      dispatch: () => {
        seen = { ids: activeTraceIds(), fresh: isFreshTrace(), fields: logFields() };
        return Promise.resolve('handled');
      },
      maxDeliver: 3,
      backoffMs: [10],
      logger: { log: () => undefined, warn: () => undefined, error: () => undefined },
    };
    expect(await processMessage(msg, policy)).toBe('acked');
    return seen!;
  }

  it('continues the trace of the traceparent header, in a span of its own, naming the event for the logs', async () => {
    const seen = await seenByHandler(delivery(TRACEPARENT));
    expect(seen.ids.traceId).toBe(TRACE_ID);
    expect(seen.ids.spanId).not.toBe('00f067aa0ba902b7');
    expect(seen.fresh).toBe(false);
    expect(seen.fields).toEqual({ eventId: envelope.id, eventType: envelope.type });
  });

  it('starts a fresh trace for a message that brings none', async () => {
    const seen = await seenByHandler(delivery());
    expect(seen.ids.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(seen.fresh).toBe(true);
  });
});
