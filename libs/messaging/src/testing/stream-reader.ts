import type { NatsConnection } from 'nats';

export interface BusMessage {
  seq: number;
  subject: string;
  msgId: string | undefined;
  /** The W3C trace context header, when the publisher sent one. */
  traceparent?: string;
  json: unknown;
}

/** Every message currently in a stream, in stream order, read with direct gets (no consumer). */
export async function readBusStream(nc: NatsConnection, stream: string): Promise<BusMessage[]> {
  const jsm = await nc.jetstreamManager();
  const { state } = await jsm.streams.info(stream);
  const messages: BusMessage[] = [];
  if (state.messages === 0) return messages;
  for (let seq = state.first_seq; seq <= state.last_seq; seq += 1) {
    const stored = await jsm.streams.getMessage(stream, { seq });
    const traceparent = stored.header?.get('traceparent') || undefined;
    const msgId = stored.header?.get('Nats-Msg-Id') || undefined;
    messages.push({ seq, subject: stored.subject, msgId, ...(traceparent ? { traceparent } : {}), json: stored.json() });
  }
  return messages;
}
