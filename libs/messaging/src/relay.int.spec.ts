import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Consumers, Streams, type Envelope } from '@countersign/contracts';
import { SqliteEventStore } from '@countersign/event-store';
import type { NatsConnection } from 'nats';
import { provisionJetStream } from './provisioning';
import { OutboxRelay } from './relay';
import { testEnvelope, testIdentities } from './testing/envelopes';
import { readBusStream } from './testing/stream-reader';
import { startSecuredNats, type SecuredNats } from './testing/secured-nats';

const warnings: string[] = [];
const logger = {
  log: () => undefined,
  warn: (message: string) => void warnings.push(message),
  error: (message: string) => void warnings.push(message),
};
const { signers } = testIdentities(['service:intake', 'service:approval']);
const intake = signers['service:intake']!;
const approval = signers['service:approval']!;

describe('OutboxRelay against a real nats-server and a real SQLite store', () => {
  let nats: SecuredNats;
  let admin: NatsConnection;
  let dir: string;
  let store: SqliteEventStore;
  const relays: OutboxRelay[] = [];

  const relay = async (nc: NatsConnection) => {
    const started = new OutboxRelay({
      name: 'relay',
      identity: 'service:intake',
      store,
      checkpoints: store.checkpoints(),
      nc,
      logger,
      retryDelaysMs: [20, 50, 100],
      publishTimeoutMs: 1_000,
    });
    relays.push(started);
    await started.start();
    return started;
  };

  /** Appends envelopes signed by intake, one stream per event, and returns them in append order. */
  const appendOwn = async (count: number, label: string) => {
    const envelopes: Envelope[] = [];
    for (let i = 0; i < count; i += 1) {
      const envelope = testEnvelope(intake, `${label}-${i}`);
      await store.append(`request-${envelope.id}`, [{ id: envelope.id, type: envelope.type, data: envelope }], 'no_stream');
      envelopes.push(envelope);
    }
    return envelopes;
  };

  const busIds = async () => (await readBusStream(admin, Streams.events.name)).map((message) => message.msgId);

  beforeAll(async () => {
    nats = await startSecuredNats();
    await provisionJetStream(await nats.connectAs('provisioner'), { streams: Object.values(Streams), consumers: Consumers.approval });
    admin = await nats.connectAs('admin');
  });
  afterAll(() => nats.stop());

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'countersign-relay-'));
    store = SqliteEventStore.open(join(dir, 'intake.sqlite'), { pollIntervalMs: 20 });
    await (await admin.jetstreamManager()).streams.purge(Streams.events.name);
  });
  afterEach(async () => {
    await Promise.all(relays.splice(0).map((started) => started.stop()));
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('publishes its own envelopes in store order with Nats-Msg-Id = event id, skipping everything else', async () => {
    const first = await appendOwn(3, 'first');
    await store.append(
      'local-timer',
      [{ id: '0b0b0b0b-0000-4000-8000-000000000001', type: 'timer.set', data: { at: 'later' } }],
      'no_stream',
    );
    const foreign = testEnvelope(approval, 'copy');
    await store.append('evidence-1', [{ id: foreign.id, type: foreign.type, data: foreign }], 'no_stream');
    const second = await appendOwn(2, 'second');

    const running = await relay(await nats.connectAs('intake'));
    await running.caughtUp();

    const bus = await readBusStream(admin, Streams.events.name);
    expect(bus.map((message) => message.msgId)).toEqual([...first, ...second].map((envelope) => envelope.id));
    expect(bus.map((message) => message.json)).toEqual([...first, ...second]);
    expect(new Set(bus.map((message) => message.subject))).toEqual(new Set(['cs.evt.intake.message.deadlettered.v1']));
    expect(running.published).toBe(5);
  });

  it('restarts from its checkpoint without publishing anything twice', async () => {
    const before = await appendOwn(3, 'before');
    const firstRun = await relay(await nats.connectAs('intake'));
    await firstRun.caughtUp();
    await firstRun.stop();

    const after = await appendOwn(2, 'after');
    const secondRun = await relay(await nats.connectAs('intake'));
    await secondRun.caughtUp();

    expect(secondRun.published).toBe(2);
    expect(await busIds()).toEqual([...before, ...after].map((envelope) => envelope.id));
  });

  it('leans on JetStream dedup when the checkpoint lags the bus (crash between PubAck and checkpoint)', async () => {
    const events = await appendOwn(4, 'dedup');
    const firstRun = await relay(await nats.connectAs('intake'));
    await firstRun.caughtUp();
    await firstRun.stop();
    await store.checkpoints().save('relay', -1);

    const replay = await relay(await nats.connectAs('intake'));
    await replay.caughtUp();

    expect(replay.published).toBe(4);
    expect(await busIds()).toEqual(events.map((envelope) => envelope.id));
  });

  it('rides out a nats-server restart without losing or reordering events', async () => {
    warnings.length = 0;
    const running = await relay(await nats.connectAs('intake'));
    const early = await appendOwn(5, 'early');
    const restarting = nats.server.restart();
    const during = await appendOwn(5, 'during');
    await restarting;
    const late = await appendOwn(5, 'late');
    await running.caughtUp();

    expect(await busIds()).toEqual([...early, ...during, ...late].map((envelope) => envelope.id));
    // The outage was real: at least one publish failed and was retried.
    expect(warnings.some((warning) => /publish .* failed/.test(warning))).toBe(true);
  });

  it('carries the trace an event was decided in from its stored metadata to the traceparent header of its message', async () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const traced = testEnvelope(intake, 'traced');
    const untraced = testEnvelope(intake, 'untraced');
    await store.append(
      `request-${traced.id}`,
      [{ id: traced.id, type: traced.type, data: traced, metadata: { traceparent } }],
      'no_stream',
    );
    await store.append(`request-${untraced.id}`, [{ id: untraced.id, type: untraced.type, data: untraced }], 'no_stream');
    await (await relay(await nats.connectAs('intake'))).caughtUp();
    const messages = await readBusStream(admin, Streams.events.name);
    expect(messages.map((message) => [message.msgId, message.traceparent])).toEqual([
      [traced.id, traceparent],
      [untraced.id, undefined],
    ]);
    // The signed bytes are untouched: the trace travels beside the envelope, never inside it.
    expect(messages[0]!.json).toEqual(traced);
  });
});
