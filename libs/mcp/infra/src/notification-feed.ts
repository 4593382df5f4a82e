import type { ConsumerMessages, NatsConnection } from 'nats';
import { EventTypes, requesterConsumer, type ConsumerSpec, type Envelope, type RequesterNotifiedV1 } from '@countersign/contracts';
import type { TrustStore } from '@countersign/identity';
import type { OutcomeStore } from './outcome-store';
import type { GatewayLog } from './log';

/**
 * Reads the requester's own notifications from its durable consumer (requester-<name> on
 * CS_NOTIFY) into the outcome store, acking only once stored: notices sent while no gateway ran
 * are read when one starts. Anything not a verified intake notice for this requester is
 * terminated (never redelivered) and logged.
 */
export class NotificationFeed {
  private messages: ConsumerMessages | undefined;
  private reading: Promise<void> = Promise.resolve();

  constructor(
    private readonly nc: NatsConnection,
    private readonly requester: string,
    private readonly trust: () => TrustStore,
    private readonly store: OutcomeStore,
    private readonly log: GatewayLog,
  ) {}

  async start(): Promise<void> {
    const spec: Pick<ConsumerSpec, 'stream' | 'durable'> = requesterConsumer(this.requester);
    const consumer = await this.nc.jetstream().consumers.get(spec.stream, spec.durable);
    const messages = await consumer.consume({ max_messages: 50 });
    this.messages = messages;
    this.reading = (async () => {
      for await (const msg of messages) {
        const notice = this.accept(msg.data);
        if (!notice) {
          msg.term();
          continue;
        }
        this.store.recordNotice(notice.id, notice.data);
        msg.ack();
      }
    })();
  }

  private accept(bytes: Uint8Array): Envelope<RequesterNotifiedV1> | undefined {
    const verified = this.trust().verifyBytes(bytes);
    if (!verified.ok) {
      this.log.warn(`refused a message on the notification consumer: ${verified.code}: ${verified.message}`);
      return undefined;
    }
    const envelope = verified.envelope as Envelope<RequesterNotifiedV1>;
    if (verified.type !== EventTypes.RequesterNotified || envelope.data.requester !== `requester:${this.requester}`) {
      this.log.warn(`refused ${verified.type} ${envelope.id}: not a notice for requester:${this.requester}`);
      return undefined;
    }
    return envelope;
  }

  async stop(): Promise<void> {
    await this.messages?.close();
    await this.reading.catch(() => undefined);
  }
}
