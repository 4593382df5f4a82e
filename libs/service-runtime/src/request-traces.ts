import { context, type Context } from '@opentelemetry/api';
import type { StoredEvent } from '@countersign/event-store';
import { contextFromTraceparent, isFreshTrace, traceparentOf } from '@countersign/messaging';
import { setMostRecent } from './recent-map';

const REMEMBERED = 5_000;

/**
 * The trace each recent request runs in, as this service's store records it, so that a decision
 * made without an inbound trace (a vote from a client that sent none, a timer, a store follower)
 * joins the request's trace instead of starting another. Rebuilt by reading: every stream the
 * decision runner folds feeds it.
 */
export class RequestTraces {
  private readonly traces = new Map<string, string>();

  /** Remembers the trace of a stored event that carries one and is about a request. */
  observe(event: Pick<StoredEvent, 'data' | 'metadata'>): void {
    const traceparent = event.metadata.traceparent;
    const requestId = requestIdOfStored(event.data);
    if (typeof traceparent === 'string' && requestId) this.remember(requestId, traceparent);
  }

  remember(requestId: string, traceparent: string): void {
    setMostRecent(this.traces, requestId, traceparent, REMEMBERED);
  }

  /**
   * The parent of a decision about `requestId`: the inbound message's trace when it brought one;
   * otherwise the request's own trace when known; otherwise whatever is active (a fresh trace).
   */
  parentFor(requestId: string | undefined, active: Context = context.active()): Context {
    if (traceparentOf(active) !== undefined && !isFreshTrace(active)) return active;
    const known = requestId ? contextFromTraceparent(this.traces.get(requestId)) : undefined;
    return known ?? active;
  }
}

/**
 * The request a stored event is about: an envelope's correlation id or its data's requestId, a
 * local event's requestId, or, for a record of another event (audit's), that event's request.
 */
export function requestIdOfStored(data: unknown, depth = 0): string | undefined {
  if (depth > 3 || typeof data !== 'object' || data === null) return undefined;
  const record = data as { correlationid?: unknown; requestId?: unknown; data?: unknown; event?: unknown };
  if (typeof record.correlationid === 'string') return record.correlationid;
  if (typeof record.requestId === 'string') return record.requestId;
  return requestIdOfStored(record.data, depth + 1) ?? requestIdOfStored(record.event, depth + 1);
}
