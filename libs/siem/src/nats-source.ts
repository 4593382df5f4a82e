import type { Consumer } from 'nats';
import type { AuditSource, Delivery } from './forwarder';

/** The forwarder's durable pull consumer as an AuditSource; a pull waits at most `expiresMs` (at least 1 s, the client's minimum). */
export function natsAuditSource(consumer: Consumer, expiresMs = 1_000): AuditSource {
  return {
    async pull(max: number): Promise<Delivery[]> {
      const messages = await consumer.fetch({ max_messages: max, expires: Math.max(1_000, expiresMs) });
      const deliveries: Delivery[] = [];
      for await (const message of messages)
        deliveries.push({
          data: message.data,
          pending: message.info.pending,
          ack: () => message.ack(),
          working: () => message.working(),
          nak: () => message.nak(),
        });
      return deliveries;
    },
  };
}
