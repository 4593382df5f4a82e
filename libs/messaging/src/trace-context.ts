import {
  context,
  createContextKey,
  defaultTextMapGetter,
  defaultTextMapSetter,
  isSpanContextValid,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { headers as natsHeaders, type MsgHdrs } from 'nats';

/**
 * W3C trace context across the bus and the stores. A trace is carried in the `traceparent` NATS
 * header of every published event and in the `traceparent` metadata field of every stored one, so
 * it survives the store → relay → publish hop. It is never part of a signed envelope: it describes
 * how an event travelled, not what was decided, and a header anyone can set must not be able to
 * change what a signature covers.
 *
 * Spans are made through the global OpenTelemetry API: without a registered tracer provider (tests,
 * tools) they are non-recording and simply pass the parent's context on.
 */
export const TRACEPARENT = 'traceparent';
export const TRACESTATE = 'tracestate';
/** Longer than any valid header (55 characters); a bigger one is ignored before it is parsed. */
const MAX_TRACEPARENT = 128;
const MAX_TRACESTATE = 512;

const propagator = new W3CTraceContextPropagator();
const tracer = () => trace.getTracer('countersign');

/** Set on a context whose trace was started here because the inbound message brought none. */
const FRESH = createContextKey('countersign.trace.fresh');
/** What every log line made inside the context should say (request id, event id and type). */
const LOG_FIELDS = createContextKey('countersign.log.fields');

export interface LogFields {
  requestId?: string;
  eventId?: string;
  eventType?: string;
}

/** The context a traceparent (and tracestate) describes, or undefined when it is absent or invalid. */
export function contextFromTraceparent(traceparent: unknown, tracestate?: unknown, base: Context = ROOT_CONTEXT): Context | undefined {
  if (typeof traceparent !== 'string' || traceparent.length > MAX_TRACEPARENT) return undefined;
  const carrier: Record<string, string> = { [TRACEPARENT]: traceparent };
  if (typeof tracestate === 'string' && tracestate.length <= MAX_TRACESTATE) carrier[TRACESTATE] = tracestate;
  const extracted = propagator.extract(base, carrier, defaultTextMapGetter);
  const span = trace.getSpanContext(extracted);
  return span && isSpanContextValid(span) ? extracted : undefined;
}

/** The traceparent of a context's span (the active one by default), if it has a valid one. */
export function traceparentOf(ctx: Context = context.active()): string | undefined {
  const carrier: Record<string, string> = {};
  propagator.inject(ctx, carrier, defaultTextMapSetter);
  return carrier[TRACEPARENT];
}

/** `{ traceparent }` for a stored event's metadata, or nothing outside a trace. */
export function traceMetadata(ctx: Context = context.active()): { traceparent?: string } {
  const traceparent = traceparentOf(ctx);
  return traceparent ? { traceparent } : {};
}

/** The trace id of a traceparent string (its second field), for logs and tests. */
export function traceIdOf(traceparent: unknown): string | undefined {
  const ctx = contextFromTraceparent(traceparent);
  return ctx ? trace.getSpanContext(ctx)?.traceId : undefined;
}

/** The trace context a NATS message carries in its headers, if any. */
export function contextFromHeaders(headers: MsgHdrs | undefined): Context | undefined {
  if (!headers?.has(TRACEPARENT)) return undefined;
  return contextFromTraceparent(headers.get(TRACEPARENT), headers.has(TRACESTATE) ? headers.get(TRACESTATE) : undefined);
}

/** NATS headers carrying a context's trace, or undefined outside a trace. */
export function traceHeaders(ctx: Context = context.active()): MsgHdrs | undefined {
  const carrier: Record<string, string> = {};
  propagator.inject(ctx, carrier, defaultTextMapSetter);
  if (!carrier[TRACEPARENT]) return undefined;
  const headers = natsHeaders();
  for (const [key, value] of Object.entries(carrier)) headers.set(key, value);
  return headers;
}

export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  links?: Link[];
  /** Marks the trace as started here (no parent given), so it may yield to a request's own trace. */
  fresh?: boolean;
}

/**
 * Runs `work` inside a new span, child of `parent`; the span ends (with its status) when `work`
 * settles. `work` also gets the span's context, for code that must not depend on a context
 * manager being registered (without one, the active context does not follow `work`).
 */
export async function inSpan<T>(
  name: string,
  parent: Context,
  options: SpanOptions,
  work: (span: Span, ctx: Context) => Promise<T>,
): Promise<T> {
  const span = tracer().startSpan(
    name,
    {
      kind: options.kind ?? SpanKind.INTERNAL,
      ...(options.attributes ? { attributes: options.attributes } : {}),
      links: options.links ?? [],
    },
    parent,
  );
  let ctx = trace.setSpan(parent, span);
  if (options.fresh) ctx = ctx.setValue(FRESH, true);
  try {
    return await context.with(ctx, () => work(span, ctx));
  } catch (error) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    throw error;
  } finally {
    span.end();
  }
}

/** Whether the active trace was started in this process for lack of an inbound one. */
export const isFreshTrace = (ctx: Context = context.active()): boolean => ctx.getValue(FRESH) === true;

/** Runs `work` with log fields that every log line inside it carries (see logFields). */
export function withLogFields<T>(fields: LogFields, work: () => T): T {
  const active = context.active();
  const outer = logFields(active);
  // A field given here wins; one left undefined keeps the outer value. One fixed shape (see logContext).
  const merged: LogFields = {
    requestId: fields.requestId ?? outer.requestId,
    eventId: fields.eventId ?? outer.eventId,
    eventType: fields.eventType ?? outer.eventType,
  };
  return context.with(active.setValue(LOG_FIELDS, merged), work);
}

export function logFields(ctx: Context = context.active()): LogFields {
  return (ctx.getValue(LOG_FIELDS) as LogFields | undefined) ?? {};
}

/** What a log line says about the context it was written in; a field is undefined when unknown. */
export interface LogContext extends LogFields {
  traceId?: string;
  spanId?: string;
}

/**
 * logFields and activeTraceIds in one object of one fixed shape, for every log line: spreading the
 * two into one object (about 8 µs a line through pino, which merges it with the line's own fields)
 * cost several times the rest of the line.
 */
export function logContext(ctx: Context = context.active()): LogContext {
  const fields = ctx.getValue(LOG_FIELDS) as LogFields | undefined;
  const span = trace.getSpanContext(ctx);
  const valid = span !== undefined && isSpanContextValid(span);
  return {
    requestId: fields?.requestId,
    eventId: fields?.eventId,
    eventType: fields?.eventType,
    traceId: valid ? span.traceId : undefined,
    spanId: valid ? span.spanId : undefined,
  };
}

/** The active span's ids, for a log line. */
export function activeTraceIds(ctx: Context = context.active()): { traceId?: string; spanId?: string } {
  const span = trace.getSpanContext(ctx);
  return span && isSpanContextValid(span) ? { traceId: span.traceId, spanId: span.spanId } : {};
}

export { SpanKind };
