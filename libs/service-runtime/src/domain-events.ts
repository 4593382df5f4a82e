import { deterministicId, isEventType, type Envelope } from '@countersign/contracts';
import type { NewEvent, StoredEvent } from '@countersign/event-store';
import type { EnvelopeSigner } from '@countersign/identity';

/**
 * How domain events meet the store. A wire event (a contract type) is signed into an envelope and
 * the envelope is stored, so the relay later publishes exactly the signed bytes. Any other type is
 * local: kept as plain data (its time in the metadata) and never leaves the service.
 */
export interface DomainEvent {
  type: string;
  data: unknown;
  id?: string;
  time?: string;
}

/** What caused a decision: the inbound event (or timer tick) id and the time it is handled at. */
export interface Cause {
  id: string;
  now: Date;
}

export const isLocalType = (type: string) => !isEventType(type);

export function toDomainEvent(stored: StoredEvent): DomainEvent {
  if (isLocalType(stored.type)) {
    const time = typeof stored.metadata.time === 'string' ? stored.metadata.time : stored.recordedAt;
    return { type: stored.type, data: stored.data, id: stored.id, time };
  }
  const envelope = stored.data as Envelope;
  return { type: envelope.type, data: envelope.data, id: envelope.id, time: envelope.time };
}

function requestIdOf(data: unknown): string | undefined {
  const requestId = (data as { requestId?: unknown } | null)?.requestId;
  return typeof requestId === 'string' ? requestId : undefined;
}

/**
 * `metadata` (the trace the event was decided in) is stored beside the envelope, never signed: the
 * relay reads it back to carry the trace on.
 */
export function toNewEvent(
  event: DomainEvent,
  index: number,
  stream: string,
  cause: Cause,
  signer: EnvelopeSigner,
  metadata: Record<string, unknown> = {},
): NewEvent {
  const id = event.id ?? deterministicId(cause.id, `${stream}:${event.type}:${index}`);
  const time = event.time ?? cause.now.toISOString();
  if (isLocalType(event.type)) return { id, type: event.type, data: event.data, metadata: { ...metadata, time } };
  const requestId = requestIdOf(event.data);
  const envelope = signer.sign({
    id,
    type: event.type,
    subject: requestId ?? stream,
    time,
    data: event.data,
    ...(requestId === undefined ? {} : { correlationid: requestId }),
    causationid: cause.id,
  });
  return { id, type: event.type, data: envelope, ...(Object.keys(metadata).length > 0 ? { metadata } : {}) };
}
