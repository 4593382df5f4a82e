import { Streams, type Envelope } from '@countersign/contracts';
import { connectAs, type Stack } from '@countersign/stack';

/**
 * Every event the services published on CS_EVENTS, read message by message with the operator's
 * read-only permissions: what happened on the bus even while audit (and so the audit stream) is down.
 */
export async function eventsOnBus(stack: Stack): Promise<Envelope[]> {
  const nc = await connectAs(stack, 'operator-admin');
  try {
    const jsm = await nc.jetstreamManager({ checkAPI: false });
    const { state } = await jsm.streams.info(Streams.events.name);
    const envelopes: Envelope[] = [];
    for (let seq = state.first_seq; state.messages > 0 && seq <= state.last_seq; seq += 1) {
      const message = await jsm.streams.getMessage(Streams.events.name, { seq });
      envelopes.push(message.json<Envelope>());
    }
    return envelopes;
  } finally {
    await nc.close();
  }
}

/** The types of the bus events about one request, in stream order. */
export const typesFor = (events: readonly Envelope[], requestId: string): string[] =>
  events.filter((event) => (event.data as { requestId?: string } | null)?.requestId === requestId).map((event) => event.type);
