import { Consumers, EventTypes, Streams, type Envelope } from '@countersign/contracts';
import type { NatsConnection } from 'nats';
import type { DeadLetter } from './dead-letter';
import { processMessage, type MessagePolicy } from './message-processor';
import { HandlerFailures } from './handler-failures';
import { JetStreamTransport } from './transport';
import { encodeEnvelope, testEnvelope, testIdentities } from './testing/envelopes';
import { startProvisionedNats, type SecuredNats } from './testing/secured-nats';
import { waitFor } from './testing/wait';

const { signers, trust } = testIdentities(['service:intake']);
const SUBJECT = 'cs.evt.intake.message.deadlettered.v1';
const ACK_WAIT_MS = 600;
const MAX_DELIVER = 3;

/**
 * Issue 10: consumers that died with a pulled batch in hand got those messages back with a higher
 * delivery count each time, until a valid message was dead-lettered as `max_deliveries`. Here the
 * crashes are real JetStream deliveries that are never settled (the consumer process "dies"), on
 * a real nats-server with the production consumer config.
 */
describe('crash redeliveries on a real nats-server', () => {
  let nats: SecuredNats;
  let intake: NatsConnection;
  let approval: NatsConnection;

  beforeAll(async () => {
    nats = await startProvisionedNats(Consumers.approval, { ackWaitMs: ACK_WAIT_MS });
    intake = await nats.connectAs('intake');
    approval = await nats.connectAs('approval');
  });

  afterAll(async () => {
    await nats.stop();
  });

  /** Pulls the next message and abandons it, as a consumer killed with it in its batch would. */
  async function crashWithNextMessage(): Promise<number> {
    const consumer = await approval.jetstream().consumers.get(Streams.events.name, 'approval-intake');
    for (;;) {
      const batch = await consumer.fetch({ max_messages: 1, expires: 2_000 });
      for await (const msg of batch) return msg.info.deliveryCount;
    }
  }

  async function next(policy: MessagePolicy) {
    const consumer = await approval.jetstream().consumers.get(Streams.events.name, 'approval-intake');
    for (;;) {
      const batch = await consumer.fetch({ max_messages: 1, expires: 2_000 });
      for await (const msg of batch) return { deliveries: msg.info.deliveryCount, outcome: await processMessage(msg, policy) };
    }
  }

  const policyWith = (letters: DeadLetter[], maxCrashDeliveries: number): MessagePolicy => ({
    verify: (bytes) => trust.verifyBytes(bytes),
    deadLetter: (letter) => Promise.resolve(void letters.push(letter)),
    dispatch: () => Promise.resolve('handled'),
    maxDeliver: MAX_DELIVER,
    failures: new HandlerFailures(),
    maxCrashDeliveries,
    backoffMs: [50],
    logger: { log: () => undefined, warn: () => undefined, error: () => undefined },
  });

  it('keeps redelivering past maxDeliver (server max_deliver is unlimited) and handles the message afterwards', async () => {
    await intake.jetstream().publish(SUBJECT, encodeEnvelope(testEnvelope(signers['service:intake']!, 'valid')));
    const crashes: number[] = [];
    for (let i = 0; i < MAX_DELIVER + 2; i += 1) crashes.push(await crashWithNextMessage());
    expect(crashes).toEqual([1, 2, 3, 4, 5]);

    const letters: DeadLetter[] = [];
    expect(await next(policyWith(letters, 50))).toEqual({ deliveries: 6, outcome: 'acked' });
    expect(letters).toEqual([]);
  });

  it('dead-letters, without handling, a message that crash-looped past the ceiling', async () => {
    await intake.jetstream().publish(SUBJECT, encodeEnvelope(testEnvelope(signers['service:intake']!, 'crash-looper')));
    for (let i = 0; i < 4; i += 1) await crashWithNextMessage();

    const letters: DeadLetter[] = [];
    expect(await next(policyWith(letters, 4))).toEqual({ deliveries: 5, outcome: 'dead_lettered' });
    expect(letters[0]).toMatchObject({ code: 'max_deliveries', deliveries: 5 });
  });

  it('dead-letters a message whose verification throws (a stack overflow) and goes on with the next', async () => {
    const letters: DeadLetter[] = [];
    const handled: string[] = [];
    const transport = new JetStreamTransport({
      connection: approval,
      consumers: Consumers.approval.filter((spec) => spec.durable === 'approval-intake'),
      // Stands in for a recursive walk that overflows the stack on hostile input before any limit caught it.
      verify: (bytes) => {
        if (Buffer.from(bytes).includes('overflow')) throw new RangeError('Maximum call stack size exceeded');
        return trust.verifyBytes(bytes);
      },
      deadLetter: (letter) => Promise.resolve(void letters.push(letter)),
      maxDeliver: MAX_DELIVER,
      backoffMs: [50],
    });
    transport.addHandler(EventTypes.MessageDeadLettered, (envelope: Envelope) => Promise.resolve(void handled.push(envelope.id)), true);
    await new Promise<void>((resolve, reject) =>
      transport.listen((error) => (error ? reject(error instanceof Error ? error : new Error('listen failed')) : resolve())),
    );
    try {
      const poison = testEnvelope(signers['service:intake']!, 'overflow');
      const valid = testEnvelope(signers['service:intake']!, 'valid-after-poison');
      await intake.jetstream().publish(SUBJECT, encodeEnvelope(poison));
      await intake.jetstream().publish(SUBJECT, encodeEnvelope(valid));

      await waitFor(() => handled.includes(valid.id) && letters.length === 1);
      // processMessage turns a throw before dispatch into a dead letter itself (it never throws).
      expect(letters[0]).toMatchObject({ code: 'unprocessable', deliveries: 1 });
      expect(letters[0]!.message).toContain('Maximum call stack size exceeded');
    } finally {
      await transport.close();
    }
  });
});
