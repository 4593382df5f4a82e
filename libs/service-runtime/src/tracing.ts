import type { IncomingMessage, ServerResponse } from 'node:http';
import { context, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AlwaysOnSampler, BatchSpanProcessor, ParentBasedSampler, TracerProvider } from '@opentelemetry/sdk-trace';
import { contextFromTraceparent, inSpan, SpanKind } from '@countersign/messaging';
import { IdOnlyTracerProvider } from './id-only-spans';

export interface Tracing {
  /** Where spans go, when they are exported at all. */
  endpoint?: string;
  /** Sends what is buffered and stops; called on shutdown. */
  shutdown(): Promise<void>;
}

/**
 * Where OTLP spans go, if anywhere: COUNTERSIGN_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
 * (the full traces URL), or OTEL_EXPORTER_OTLP_ENDPOINT (a base URL; `/v1/traces` is appended, as
 * the OpenTelemetry specification says). OTEL_TRACES_EXPORTER=none turns it off. Off by default.
 */
export function otlpEndpoint(env: NodeJS.ProcessEnv): string | undefined {
  if (env.OTEL_TRACES_EXPORTER?.trim() === 'none') return undefined;
  const full = env.COUNTERSIGN_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  if (full) return full;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  return base ? `${base.replace(/\/+$/, '')}/v1/traces` : undefined;
}

/**
 * Registers the process's tracer: spans are always made (their ids are what the logs, the stored
 * events and the bus headers carry), but they leave the process only when an OTLP endpoint is set.
 * Without one, spans are id-only (IdOnlyTracerProvider): the same ids, none of the SDK's
 * recording, which no one would read.
 */
export function startTracing(service: string, env: NodeJS.ProcessEnv = process.env): Tracing {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  const endpoint = otlpEndpoint(env);
  if (!endpoint) {
    trace.setGlobalTracerProvider(new IdOnlyTracerProvider());
    return { shutdown: () => Promise.resolve() };
  }
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME?.trim() || `countersign-${service}` }),
    sampler: new ParentBasedSampler({ root: new AlwaysOnSampler() }),
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: endpoint }) })],
  });
  trace.setGlobalTracerProvider(provider);
  return { endpoint, shutdown: () => withinMs(SHUTDOWN_MS, provider.shutdown()) };
}

/** How long a stopping service waits for its last spans to reach the collector. */
const SHUTDOWN_MS = 2_000;

/** An unreachable collector must not hold a stopping process past its supervisor's grace period. */
async function withinMs(ms: number, work: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  await Promise.race([work.catch(() => undefined), timeout]);
  clearTimeout(timer);
}

/**
 * Express middleware: each HTTP request runs in a server span, continuing the caller's own
 * `traceparent` header when it sends one (an upstream system's trace on an HTTP submission).
 */
export function traceHttpRequests(req: IncomingMessage, res: ServerResponse, next: () => void): void {
  const inbound = contextFromTraceparent(req.headers.traceparent, req.headers.tracestate);
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  const attributes = { 'http.request.method': req.method ?? 'GET', 'url.path': path };
  void inSpan(
    `${req.method ?? 'GET'} ${path}`,
    inbound ?? ROOT_CONTEXT,
    { kind: SpanKind.SERVER, attributes, fresh: !inbound },
    () =>
      new Promise<void>((resolve) => {
        res.once('close', resolve);
        next();
      }),
  );
}
