import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Controller, Logger, Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { NatsConnection } from 'nats';
import { Consumers, EventTypes, Streams, subjectFor, type Envelope, type MessageDeadLetteredV1 } from '@countersign/contracts';
import { SqliteEventStore } from '@countersign/event-store';
import {
  EnvelopeSigner,
  loadIdentity,
  loadNatsCredentials,
  loadNatsUsers,
  loadTrustStore,
  provision,
  renderNatsConfig,
} from '@countersign/identity';
import {
  JETSTREAM_TRANSPORT,
  JetStreamErrorFilter,
  JetStreamTransport,
  connectNats,
  provisionJetStream,
  toDeadLetterData,
  type JetStreamContext,
} from '@countersign/messaging';
import { startNatsServer, type RunningNatsServer, waitFor } from '@countersign/testing';
import { loadServiceConfig } from './config';
import { DEAD_LETTER_STREAM, deadLetterSink } from './dead-letters';

jest.setTimeout(60_000);

/**
 * Poison messages on a real nats-server, through the real JetStream transport and the real
 * dead-letter sink into the service's SQLite store: a message that always fails costs the messages
 * around it nothing, and ends recorded and terminated after exactly COUNTERSIGN_MAX_DELIVER tries.
 */
const MAX_DELIVER = '3';
const BACKOFF_MS = [100, 200];
const ACK_WAIT_MS = 2_000;
const REPO = join(__dirname, '..', '..', '..');

const calls: Array<{ tag: string; id: string; deliveries: number }> = [];
const callsOf = (id: string) => calls.filter((call) => call.id === id).map((call) => call.deliveries);

const overflow = (depth: number): number => overflow(depth + 1) + 1;

/** Behaves as the tag in the event's message says. */
@Controller()
class ProbeController {
  @EventPattern(EventTypes.MessageDeadLettered, JETSTREAM_TRANSPORT)
  handle(@Payload() envelope: Envelope<MessageDeadLetteredV1>, @Ctx() context: JetStreamContext): void {
    const tag = envelope.data.message;
    calls.push({ tag, id: envelope.id, deliveries: context.deliveries });
    if (tag === 'poison') throw new Error('always fails');
    if (tag === 'throws-string') throw 'not an Error'; // eslint-disable-line @typescript-eslint/only-throw-error
    if (tag === 'throws-null') throw null; // eslint-disable-line @typescript-eslint/only-throw-error
    if (tag === 'overflow') overflow(0);
  }
}

@Module({ controllers: [ProbeController] })
class ProbeModule {}

describe('poison messages on a real JetStream consumer', () => {
  const home = mkdtempSync(join(tmpdir(), 'countersign-poison-'));
  const config = loadServiceConfig('approval', {
    COUNTERSIGN_HOME: home,
    COUNTERSIGN_DATA_DIR: join(home, 'data'),
    COUNTERSIGN_MAX_DELIVER: MAX_DELIVER,
  });
  let nats: RunningNatsServer;
  let intakeBus: NatsConnection;
  let provisioner: NatsConnection;
  let store: SqliteEventStore;
  let app: INestMicroservice;
  let intake: EnvelopeSigner;
  const consumerErrors: unknown[] = [];
  const connections: NatsConnection[] = [];

  const connect = async (user: string) => {
    const credentials = loadNatsCredentials(home, user);
    const nc = await connectNats({ url: nats.url, user, seed: credentials.seed, inboxPrefix: credentials.inboxPrefix, name: user });
    connections.push(nc);
    return nc;
  };

  /** A valid event intake may emit, with the test's tag as its message. */
  const event = (tag: string): Envelope<MessageDeadLetteredV1> => {
    const time = new Date().toISOString();
    const fields = { subject: 'cs.submit.x', stream: 'CS_SUBMISSIONS', streamSequence: 1, deliveries: 1, consumer: 'x' };
    const data = toDeadLetterData({ ...fields, code: 'test', message: tag, payload: Buffer.from(tag) }, time);
    return intake.sign({ id: randomUUID(), type: EventTypes.MessageDeadLettered, subject: `poison-${tag}`, time, data });
  };

  const publish = async (envelope: Envelope) =>
    (await intakeBus.jetstream().publish(subjectFor(envelope), JSON.stringify(envelope), { msgID: envelope.id })).seq;

  const deadLetters = async () =>
    (await store.readStream(DEAD_LETTER_STREAM)).map((stored) => (stored.data as Envelope<MessageDeadLetteredV1>).data);

  const settled = async () => {
    const info = await (await provisioner.jetstreamManager()).consumers.info(Streams.events.name, 'approval-intake');
    return info.num_pending === 0 && info.num_ack_pending === 0;
  };

  beforeAll(async () => {
    provision({ description: JSON.parse(readFileSync(join(REPO, 'deploy', 'identities.json'), 'utf8')), home });
    nats = await startNatsServer({ dir: join(home, 'nats'), config: (settings) => renderNatsConfig(settings, loadNatsUsers(home)) });
    provisioner = await connect('provisioner');
    await provisionJetStream(provisioner, {
      streams: Object.values(Streams),
      consumers: Consumers.approval,
      settings: { ackWaitMs: ACK_WAIT_MS },
    });
    intakeBus = await connect('intake');
    intake = new EnvelopeSigner('service:intake', loadIdentity(home, 'service:intake').signing);
    if (config.store.kind !== 'sqlite') throw new Error('expected the embedded store');
    store = SqliteEventStore.open(config.store.file);
  });

  afterAll(async () => {
    await app?.close();
    await Promise.all(connections.map((nc) => nc.close()));
    await store?.close();
    await nats?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  async function startConsumer(): Promise<void> {
    const signer = new EnvelopeSigner(config.identity, loadIdentity(home, config.identity).signing);
    const trust = loadTrustStore(home);
    const transport = new JetStreamTransport({
      connection: await connect('approval'),
      consumers: Consumers.approval,
      verify: (bytes, freshness) => trust.verifyBytes(bytes, freshness),
      deadLetter: deadLetterSink({ store, signer, clock: () => new Date(), logger: new Logger('approval') }),
      maxDeliver: config.maxDeliver,
      backoffMs: BACKOFF_MS,
    });
    transport.on('error', (error) => consumerErrors.push(error));
    app = await NestFactory.createMicroservice(ProbeModule, { strategy: transport, logger: false });
    app.useGlobalFilters(new JetStreamErrorFilter());
    await app.listen();
  }

  it('dead-letters a message that always fails after exactly COUNTERSIGN_MAX_DELIVER deliveries, records it, and handles the rest of its batch', async () => {
    // All on the stream before the consumer starts: the first pull takes them in one batch.
    const poison = event('poison');
    const poisonSeq = await publish(poison);
    const valid = [event('ok'), event('ok'), event('ok')];
    for (const envelope of valid) await publish(envelope);
    await startConsumer();

    await waitFor(async () => (await deadLetters()).length === 1 && (await settled()), 20_000);
    expect(callsOf(poison.id)).toEqual([1, 2, 3]);
    expect(await deadLetters()).toEqual([
      expect.objectContaining({
        code: 'max_deliveries',
        deliveries: Number(MAX_DELIVER),
        consumer: 'approval-intake',
        stream: Streams.events.name,
        streamSequence: poisonSeq,
        claimedSigner: 'service:intake',
      }),
    ]);
    for (const envelope of valid) expect(callsOf(envelope.id)).toEqual([1]);

    // Terminated, not left to time out: JetStream redelivers only what is ack-pending, and the
    // consumer holds nothing pending, so the server itself has no redelivery of it left to make.
    expect(await settled()).toBe(true);
    expect(callsOf(poison.id)).toHaveLength(3);
    expect(await deadLetters()).toHaveLength(1);
    expect(consumerErrors).toEqual([]);
  });

  it('goes on after handlers that throw a non-Error value or overflow the stack', async () => {
    const before = (await deadLetters()).length;
    const failing = [event('throws-string'), event('throws-null'), event('overflow')];
    const behind = event('ok');
    for (const envelope of [...failing, behind]) await publish(envelope);

    await waitFor(async () => (await deadLetters()).length === before + failing.length && (await settled()), 20_000);
    expect(callsOf(behind.id)).toEqual([1]);
    for (const envelope of failing) expect(callsOf(envelope.id)).toEqual([1, 2, 3]);
    const letters = (await deadLetters()).slice(before);
    expect(letters.map((letter) => letter.code)).toEqual(['max_deliveries', 'max_deliveries', 'max_deliveries']);
    expect(letters.map((letter) => letter.message).join('\n')).toMatch(/not an Error[\s\S]*null[\s\S]*Maximum call stack size exceeded/);

    // Still consuming afterwards, and never stopped meanwhile.
    const after = event('ok');
    await publish(after);
    await waitFor(() => callsOf(after.id).length === 1, 20_000);
    expect(consumerErrors).toEqual([]);
  });
});
