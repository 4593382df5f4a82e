import { randomUUID } from 'node:crypto';
import { Controller, Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { Consumers, EventTypes, Streams, type Envelope } from '@countersign/contracts';
import type { NatsConnection } from 'nats';
import type { DeadLetter } from './dead-letter';
import { JETSTREAM_TRANSPORT, JetStreamErrorFilter, TerminalMessageError, type JetStreamContext } from './jetstream-context';
import { JetStreamTransport } from './transport';
import { encodeEnvelope, testEnvelope, testIdentities } from './testing/envelopes';
import { startProvisionedNats, type SecuredNats } from './testing/secured-nats';
import { waitFor } from './testing/wait';

const { signers, trust } = testIdentities(['service:intake', 'service:approval']);
const intake = signers['service:intake']!;
const approval = signers['service:approval']!;
const SUBJECT = 'cs.evt.intake.message.deadlettered.v1';
const MAX_DELIVER = 3;
const BACKOFF_MS = [150, 300];
const ACK_WAIT_MS = 1_500;
/** Longer than ack_wait: only the transport's working() heartbeats keep it from being redelivered. */
const SLOW_HANDLER_MS = 2_200;

interface Call {
  id: string;
  deliveries: number;
  context: JetStreamContext;
  envelope: Envelope<{ message: string }>;
  at: number;
}
const calls: Call[] = [];
const callsOf = (id: string) => calls.filter((call) => call.id === id);

/** A handler whose behaviour is chosen by the tag the test puts in the event's message. */
@Controller()
class ProbeController {
  @EventPattern(EventTypes.MessageDeadLettered, JETSTREAM_TRANSPORT)
  async handle(@Payload() envelope: Envelope<{ message: string }>, @Ctx() context: JetStreamContext): Promise<void> {
    calls.push({ id: envelope.id, deliveries: context.deliveries, context, envelope, at: Date.now() });
    const tag = envelope.data.message;
    if (tag === 'always-fails') throw new Error('downstream unavailable');
    if (tag === 'fails-once' && context.deliveries === 1) throw new Error('transient');
    if (tag === 'slow') await new Promise((resolve) => setTimeout(resolve, SLOW_HANDLER_MS));
    if (tag === 'terminal')
      throw new TerminalMessageError('unknown_request', 'no such request', [{ path: 'subject', code: 'not_found', message: 'unknown' }]);
  }
}

@Module({ controllers: [ProbeController] })
class ProbeModule {}

describe('JetStreamTransport in a real Nest microservice against a real nats-server', () => {
  let nats: SecuredNats;
  let admin: NatsConnection;
  let intakeBus: NatsConnection;
  let app: INestMicroservice;
  const letters: DeadLetter[] = [];
  const failDeadLetterOnce = new Set<string>();
  const lettersOf = (id: string) => letters.filter((letter) => (JSON.parse(Buffer.from(letter.payload).toString()) as Envelope).id === id);

  const deadLetter = (letter: DeadLetter): Promise<void> => {
    const { id } = JSON.parse(Buffer.from(letter.payload).toString()) as Envelope;
    if (failDeadLetterOnce.delete(id)) return Promise.reject(new Error('store unavailable'));
    letters.push(letter);
    return Promise.resolve();
  };

  const publish = (envelope: unknown, subject = SUBJECT, nc = intakeBus) =>
    nc.jetstream().publish(subject, encodeEnvelope(envelope), { msgID: (envelope as Envelope).id });

  const consumerSettled = async () => {
    const info = await (await admin.jetstreamManager()).consumers.info(Streams.events.name, 'approval-intake');
    return info.num_ack_pending === 0 && info.num_pending === 0;
  };

  beforeAll(async () => {
    nats = await startProvisionedNats(Consumers.approval, { ackWaitMs: ACK_WAIT_MS });
    admin = await nats.connectAs('admin');
    intakeBus = await nats.connectAs('intake');
    const transport = new JetStreamTransport({
      connection: await nats.connectAs('approval'),
      consumers: Consumers.approval,
      verify: (bytes) => trust.verifyBytes(bytes),
      deadLetter,
      maxDeliver: MAX_DELIVER,
      backoffMs: BACKOFF_MS,
    });
    app = await NestFactory.createMicroservice(ProbeModule, { strategy: transport, logger: false });
    app.useGlobalFilters(new JetStreamErrorFilter());
    await app.listen();
  });

  afterAll(async () => {
    await app.close();
    await nats.stop();
  });

  it('hands a valid envelope to its @EventPattern handler with the bus context, then acks it', async () => {
    const envelope = testEnvelope(intake, 'ok');
    const ack = await publish(envelope);

    const [call] = await waitFor(() => callsOf(envelope.id).length === 1 && callsOf(envelope.id));
    expect(call!.envelope).toEqual(envelope);
    expect(call!.context).toMatchObject({
      subject: SUBJECT,
      stream: Streams.events.name,
      consumer: 'approval-intake',
      streamSequence: ack.seq,
      deliveries: 1,
    });
    await waitFor(consumerSettled);
    expect(lettersOf(envelope.id)).toEqual([]);
  });

  it('acks, without calling anything, a valid event no handler is interested in', async () => {
    const id = randomUUID();
    const data = {
      requester: 'requester:deploy-bot',
      submissionId: id,
      errors: [{ path: 'action', code: 'required', message: 'missing' }],
      rejectedAt: '2026-11-21T10:00:00.000Z',
    };
    const rejected = intake.sign({ id, type: EventTypes.RequestRejected, subject: id, time: '2026-11-21T10:00:00.000Z', data });
    await publish(rejected, 'cs.evt.intake.request.rejected.v1');
    await waitFor(consumerSettled);
    expect(callsOf(id)).toEqual([]);
    expect(lettersOf(id)).toEqual([]);
  });

  it('dead-letters and terminates a bad signature without calling the handler or redelivering', async () => {
    const envelope = testEnvelope(intake, 'tampered');
    const forged = { ...envelope, data: { ...envelope.data, message: 'approved by nobody' } };
    const ack = await publish(forged);

    const [letter] = await waitFor(() => lettersOf(envelope.id).length === 1 && lettersOf(envelope.id));
    expect(letter).toMatchObject({
      code: 'bad_signature',
      claimedSigner: 'service:intake',
      subject: SUBJECT,
      stream: Streams.events.name,
      streamSequence: ack.seq,
      deliveries: 1,
      consumer: 'approval-intake',
    });
    expect(Buffer.from(letter!.payload)).toEqual(encodeEnvelope(forged));
    await waitFor(consumerSettled);
    await new Promise((resolve) => setTimeout(resolve, BACKOFF_MS[1]! * 2));
    expect(lettersOf(envelope.id)).toHaveLength(1);
    expect(callsOf(envelope.id)).toEqual([]);
  });

  it("terminates a genuine envelope published on another signer's subject", async () => {
    // intake's NATS user holds (say, stolen) approval keys: the signature verifies, the subject betrays it.
    const envelope = testEnvelope(approval, 'smuggled');
    await publish(envelope, SUBJECT, intakeBus);

    const [letter] = await waitFor(() => lettersOf(envelope.id).length === 1 && lettersOf(envelope.id));
    expect(letter).toMatchObject({ code: 'subject_mismatch', claimedSigner: 'service:approval', subject: SUBJECT });
    expect(letter!.message).toContain('cs.evt.approval.message.deadlettered.v1');
    await waitFor(consumerSettled);
    expect(callsOf(envelope.id)).toEqual([]);
  });

  it('redelivers a failing message with backoff and dead-letters it after maxDeliver', async () => {
    const envelope = testEnvelope(intake, 'always-fails');
    await publish(envelope);

    const [letter] = await waitFor(() => lettersOf(envelope.id).length === 1 && lettersOf(envelope.id));
    const attempts = callsOf(envelope.id);
    expect(attempts.map((call) => call.deliveries)).toEqual([1, 2, 3]);
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(BACKOFF_MS[0]! - 20);
    expect(attempts[2]!.at - attempts[1]!.at).toBeGreaterThanOrEqual(BACKOFF_MS[1]! - 20);
    expect(letter).toMatchObject({ code: 'max_deliveries', deliveries: MAX_DELIVER, claimedSigner: 'service:intake' });
    expect(letter!.message).toContain('downstream unavailable');
    await waitFor(consumerSettled);
  });

  it('terminates at once when the handler throws TerminalMessageError', async () => {
    const envelope = testEnvelope(intake, 'terminal');
    await publish(envelope);

    const [letter] = await waitFor(() => lettersOf(envelope.id).length === 1 && lettersOf(envelope.id));
    expect(letter).toMatchObject({
      code: 'unknown_request',
      message: 'no such request',
      deliveries: 1,
      errors: [{ path: 'subject', code: 'not_found', message: 'unknown' }],
    });
    await waitFor(consumerSettled);
    expect(callsOf(envelope.id)).toHaveLength(1);
  });

  it('calls the handler again on redelivery (idempotency is the handler’s job) and acks once it succeeds', async () => {
    const envelope = testEnvelope(intake, 'fails-once');
    await publish(envelope);

    await waitFor(() => callsOf(envelope.id).length === 2);
    await waitFor(consumerSettled);
    expect(callsOf(envelope.id).map((call) => call.deliveries)).toEqual([1, 2]);
    expect(lettersOf(envelope.id)).toEqual([]);
  });

  it('naks instead of terminating when the dead letter cannot be recorded, so nothing is lost', async () => {
    const envelope = testEnvelope(intake, 'tampered-again');
    failDeadLetterOnce.add(envelope.id);
    await publish({ ...envelope, signature: envelope.signature.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) });

    const [letter] = await waitFor(() => lettersOf(envelope.id).length === 1 && lettersOf(envelope.id));
    expect(letter).toMatchObject({ code: 'bad_signature', deliveries: 2 });
    await waitFor(consumerSettled);
  });

  it('does not let a service publish on another service’s subject at all (the bus layer)', async () => {
    const envelope = testEnvelope(approval, 'wrong-user');
    await expect(publish(envelope, 'cs.evt.approval.message.deadlettered.v1', intakeBus)).rejects.toMatchObject({
      code: 'PERMISSIONS_VIOLATION',
    });
  });

  it('refuses to start when a consumer it needs was not provisioned', async () => {
    const transport = new JetStreamTransport({
      connection: await nats.connectAs('provisioner'),
      consumers: [{ stream: Streams.events.name, durable: 'approval-missing', filterSubject: 'cs.evt.>', service: 'approval' }],
      verify: (bytes) => trust.verifyBytes(bytes),
      deadLetter,
      maxDeliver: MAX_DELIVER,
      backoffMs: BACKOFF_MS,
    });
    const broken = await NestFactory.createMicroservice(ProbeModule, { strategy: transport, logger: false });
    await expect(broken.listen()).rejects.toThrow(/consumer not found/);
    await broken.close();
  });

  // Last: it closes the microservice.
  it('keeps a slow handler’s message alive, and on close lets it finish and ack before it stops pulling', async () => {
    const slow = testEnvelope(intake, 'slow');
    await publish(slow);
    await waitFor(() => callsOf(slow.id).length === 1);
    await app.close();

    expect(callsOf(slow.id)).toHaveLength(1);
    expect(await consumerSettled()).toBe(true);
    const late = testEnvelope(intake, 'ok');
    const ack = await publish(late);
    // Stored, yet never handed out: the closed service no longer pulls from its consumer.
    const info = await (await admin.jetstreamManager()).consumers.info(Streams.events.name, 'approval-intake');
    expect(info).toMatchObject({ num_pending: 1, num_ack_pending: 0 });
    expect(info.delivered.stream_seq).toBeLessThan(ack.seq);
    expect(callsOf(late.id)).toEqual([]);
  });
});
