import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { context, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import type { Decider } from '@countersign/decider';
import { SqliteEventStore } from '@countersign/event-store';
import { contextFromTraceparent, inSpan, traceIdOf, withLogFields } from '@countersign/messaging';
import { testIdentities } from '@countersign/messaging/testing';
import { DecisionRunner, type DecisionLine } from './decision-runner';
import type { DomainEvent } from './domain-events';
import { createServiceLog, REDACTED } from './logging';
import { otlpEndpoint } from './tracing';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const TRACEPARENT = `00-${TRACE_ID}-00f067aa0ba902b7-01`;

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
trace.setGlobalTracerProvider(new TracerProvider());

/** Notes one local event per command about a request; enough to watch traces and log lines. */
const noter: Decider<{ requestId: string; note: string }, DomainEvent, number> = {
  decide: (command) => [{ type: 'local.test.noted', data: { requestId: command.requestId, note: command.note } }],
  evolve: (count) => count + 1,
  initialState: () => 0,
};

describe('decisions carry the request trace into the store and the log', () => {
  let dir: string;
  let store: SqliteEventStore;
  const { signers } = testIdentities(['service:intake']);
  const lines: DecisionLine[] = [];
  const traced: string[] = [];
  const runner = () =>
    new DecisionRunner(store, signers['service:intake']!, (line) => {
      lines.push(line);
      traced.push(trace.getActiveSpan()!.spanContext().traceId);
    });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'countersign-observability-'));
    store = SqliteEventStore.open(join(dir, 'store.sqlite'));
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const decide = (r: DecisionRunner, requestId: string, note: string) =>
    r.run(noter, `notes-${requestId}`, { requestId, note }, { id: `${requestId}:${note}`, now: new Date(0) });
  const storedTraces = async (requestId: string) =>
    (await store.readStream(`notes-${requestId}`)).map((event) => traceIdOf(event.metadata.traceparent));

  it('keeps an inbound trace; a decision in a fresh trace (a vote without one, a timer) joins the request’s trace, also after a restart', async () => {
    const first = runner();
    await inSpan('process', contextFromTraceparent(TRACEPARENT)!, {}, () => decide(first, 'r-1', 'submitted'));
    await inSpan('process', ROOT_CONTEXT, { fresh: true }, () => decide(first, 'r-1', 'voted'));
    await inSpan('tick', ROOT_CONTEXT, { fresh: true }, () => decide(runner(), 'r-1', 'expired'));
    expect(await storedTraces('r-1')).toEqual([TRACE_ID, TRACE_ID, TRACE_ID]);
    expect(traced).toEqual([TRACE_ID, TRACE_ID, TRACE_ID]);
    expect(lines[0]).toMatchObject({ stream: 'notes-r-1', eventType: 'local.test.noted', requestId: 'r-1', causationId: 'r-1:submitted' });
  });

  it('leaves a fresh trace alone for a request it has no trace of', async () => {
    const r = runner();
    const fresh = await inSpan('process', ROOT_CONTEXT, { fresh: true }, async () => {
      await decide(r, 'r-2', 'submitted');
      return trace.getActiveSpan()!.spanContext().traceId;
    });
    expect(await storedTraces('r-2')).toEqual([fresh]);
  });
});

describe('structured logs', () => {
  const capture = () => {
    const written: Array<Record<string, unknown>> = [];
    const log = createServiceLog('broker', { write: (line: string) => void written.push(JSON.parse(line) as Record<string, unknown>) });
    return { log, written };
  };

  it('are JSON lines naming the service, the trace and span, and the request and event being handled', async () => {
    const { log, written } = capture();
    await inSpan('process', contextFromTraceparent(TRACEPARENT)!, {}, () =>
      withLogFields({ requestId: 'r-1', eventId: 'e-1', eventType: 'countersign.request.approved.v1' }, () => {
        log.info('handling');
        return Promise.resolve();
      }),
    );
    expect(written[0]).toMatchObject({
      level: 'info',
      service: 'broker',
      msg: 'handling',
      traceId: TRACE_ID,
      spanId: expect.stringMatching(/^[0-9a-f]{16}$/),
      requestId: 'r-1',
      eventId: 'e-1',
      eventType: 'countersign.request.approved.v1',
    });
    expect(Date.parse(written[0]!.time as string)).not.toBeNaN();
  });

  it('redact secret-named fields wherever a careless structured field puts them', () => {
    const { log, written } = capture();
    log.warn(
      { signature: 'sig', envelope: { signature: 'sig', data: { token: 'jwt', sealed: 'box' } }, key: { privateKey: 'pk', seed: 'SU' } },
      'oops',
    );
    const text = JSON.stringify(written[0]);
    expect(text).not.toMatch(/"(sig|jwt|box|pk|SU)"/);
    expect(written[0]).toMatchObject({
      signature: REDACTED,
      envelope: { signature: REDACTED, data: { token: REDACTED, sealed: REDACTED } },
    });
  });
});

describe('OTLP export is off unless configured', () => {
  it.each([
    [{}, undefined],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }, 'http://collector:4318/v1/traces'],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/custom' }, 'http://c:4318/custom'],
    [{ COUNTERSIGN_OTLP_ENDPOINT: 'http://cs:4318/v1/traces', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x' }, 'http://cs:4318/v1/traces'],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_TRACES_EXPORTER: 'none' }, undefined],
  ])('%j → %s', (env, expected) => {
    expect(otlpEndpoint(env)).toBe(expected);
  });
});
