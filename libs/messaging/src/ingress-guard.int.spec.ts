import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Controller, Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { Consumers, EventTypes, Streams, type Envelope, type MessageDeadLetteredV1 } from '@countersign/contracts';
import { SqliteEventStore } from '@countersign/event-store';
import type { NatsConnection } from 'nats';
import { toDeadLetterData, type DeadLetter } from './dead-letter';
import { JETSTREAM_TRANSPORT, JetStreamErrorFilter, type JetStreamContext } from './jetstream-context';
import { provisionJetStream } from './provisioning';
import Database from 'better-sqlite3';
import { seenEventsFor } from './seen-events';
import { JetStreamTransport } from './transport';
import { encodeEnvelope, testIdentities, testSubmission } from './testing/envelopes';
import { startSecuredNats, type SecuredNats } from './testing/secured-nats';
import { waitFor } from './testing/wait';

const { signers, trust } = testIdentities(['requester:deploy-bot', 'service:intake']);
const requester = signers['requester:deploy-bot']!;
const SUBJECT = 'cs.submit.deploy-bot';
const submissionsConsumer = Consumers.intake.filter((consumer) => consumer.stream === Streams.submissions.name);

const calls: Array<{ id: string; deliveries: number; seq: number }> = [];
const failOnce = new Set<string>();

@Controller()
class SubmissionProbe {
  @EventPattern(EventTypes.RequestSubmitted, JETSTREAM_TRANSPORT)
  handle(@Payload() envelope: Envelope, @Ctx() context: JetStreamContext): void {
    calls.push({ id: envelope.id, deliveries: context.deliveries, seq: context.streamSequence });
    if (failOnce.delete(envelope.id)) throw new Error('crash before the ack');
  }
}

@Module({ controllers: [SubmissionProbe] })
class ProbeModule {}

describe('replay guard and freshness on a real nats-server with a real SQLite store', () => {
  let nats: SecuredNats;
  let admin: NatsConnection;
  let requesterBus: NatsConnection;
  let dir: string;
  let store: SqliteEventStore;
  let app: INestMicroservice;
  const letters: Array<{ id: string; data: MessageDeadLetteredV1 }> = [];
  const lettersOf = (id: string) => letters.filter((letter) => letter.id === id);
  const callsOf = (id: string) => calls.filter((call) => call.id === id);

  const publish = (envelope: Envelope, msgID: string = envelope.id) =>
    requesterBus.jetstream().publish(SUBJECT, encodeEnvelope(envelope), { msgID });

  /** Nothing left to deliver or awaiting an ack on intake's submissions consumer. */
  const consumerSettled = async () => {
    const [consumer] = submissionsConsumer;
    const info = await (await admin.jetstreamManager()).consumers.info(consumer!.stream, consumer!.durable);
    return info.num_pending === 0 && info.num_ack_pending === 0;
  };

  /** What the service runtime does with a rejection: the MessageDeadLettered data it stores and relays. */
  const deadLetter = (letter: DeadLetter): Promise<void> => {
    const { id } = JSON.parse(Buffer.from(letter.payload).toString()) as Envelope;
    letters.push({ id, data: toDeadLetterData(letter, new Date().toISOString()) });
    return Promise.resolve();
  };

  const startIntake = async () => {
    store = SqliteEventStore.open(join(dir, 'intake.sqlite'));
    const transport = new JetStreamTransport({
      connection: await nats.connectAs('intake'),
      consumers: submissionsConsumer,
      verify: (bytes, freshness) => trust.verifyBytes(bytes, freshness),
      deadLetter,
      maxDeliver: 3,
      backoffMs: [100],
      seenEvents: seenEventsFor(store),
      unitOfWork: store,
    });
    app = await NestFactory.createMicroservice(ProbeModule, { strategy: transport, logger: false });
    app.useGlobalFilters(new JetStreamErrorFilter());
    await app.listen();
  };

  const stopIntake = async () => {
    await app.close();
    await store.close();
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ingress-guard-'));
    nats = await startSecuredNats(['intake']);
    await provisionJetStream(await nats.connectAs('provisioner'), {
      streams: Object.values(Streams),
      consumers: submissionsConsumer,
      settings: { ackWaitMs: 2_000 },
    });
    requesterBus = await nats.connectAs('requester-deploy-bot');
    admin = await nats.connectAs('admin');
    await startIntake();
  });

  afterAll(async () => {
    await stopIntake();
    await nats.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('handles a fresh submission once and keeps its marker local (never relayed)', async () => {
    const submission = testSubmission(requester, new Date().toISOString());
    const ack = await publish(submission);
    await waitFor(() => callsOf(submission.id).length === 1);
    // A row of the marker table, on disk (another connection sees it), not an event the relay could read.
    const reader = new Database(join(dir, 'intake.sqlite'), { readonly: true });
    const marker = await waitFor(() => reader.prepare('SELECT * FROM seen_events WHERE event_id = ?').get(submission.id));
    reader.close();
    expect(marker).toMatchObject({ consumer: submissionsConsumer[0]!.durable, stream: Streams.submissions.name, stream_sequence: ack.seq });
    expect(await store.readAll(-1, 1_000)).toEqual([]);
  });

  it('refuses the same signed submission republished after the duplicate window, naming the requester', async () => {
    const submission = testSubmission(requester, new Date().toISOString());
    await publish(submission);
    await waitFor(() => callsOf(submission.id).length === 1);
    // A new Nats-Msg-Id stands for "after the duplicate window": JetStream stores it as a new message.
    const replay = await publish(submission, `${submission.id}-later`);
    expect(replay.duplicate).toBe(false);

    const [letter] = await waitFor(() => lettersOf(submission.id).length === 1 && lettersOf(submission.id));
    expect(letter!.data).toMatchObject({ code: 'replayed_event', claimedSigner: 'requester:deploy-bot', streamSequence: replay.seq });
    expect(callsOf(submission.id)).toHaveLength(1);
  });

  it('treats a redelivery of the same message (crash before the ack) as a redelivery, not a replay', async () => {
    const submission = testSubmission(requester, new Date().toISOString());
    failOnce.add(submission.id);
    const ack = await publish(submission);
    await waitFor(() => callsOf(submission.id).length === 2);
    expect(callsOf(submission.id)).toEqual([
      { id: submission.id, deliveries: 1, seq: ack.seq },
      { id: submission.id, deliveries: 2, seq: ack.seq },
    ]);
    // A dead letter is recorded before the message is settled; once acked, none can follow.
    await waitFor(consumerSettled);
    expect(lettersOf(submission.id)).toEqual([]);
  });

  it('refuses stale and future-dated submissions before the handler', async () => {
    const stale = testSubmission(requester, new Date(Date.now() - 10 * 60_000).toISOString());
    const future = testSubmission(requester, new Date(Date.now() + 10 * 60_000).toISOString());
    await publish(stale);
    await publish(future);
    await waitFor(() => lettersOf(stale.id).length === 1 && lettersOf(future.id).length === 1);
    expect(lettersOf(stale.id)[0]!.data).toMatchObject({ code: 'stale_timestamp', claimedSigner: 'requester:deploy-bot' });
    expect(lettersOf(future.id)[0]!.data).toMatchObject({ code: 'future_timestamp', claimedSigner: 'requester:deploy-bot' });
    expect([...callsOf(stale.id), ...callsOf(future.id)]).toEqual([]);
  });

  it('still knows after a restart: the memory is the store, not the process', async () => {
    const submission = testSubmission(requester, new Date().toISOString());
    await publish(submission);
    await waitFor(() => callsOf(submission.id).length === 1);
    await stopIntake();
    await startIntake();

    await publish(submission, `${submission.id}-after-restart`);
    const [letter] = await waitFor(() => lettersOf(submission.id).length === 1 && lettersOf(submission.id));
    expect(letter!.data.code).toBe('replayed_event');
    expect(callsOf(submission.id)).toHaveLength(1);
  });
});
