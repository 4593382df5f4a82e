import { randomUUID } from 'node:crypto';
import { Consumers, Streams, subjectFor } from '@countersign/contracts';
import { headers as natsHeaders, type NatsConnection } from 'nats';
import { provisionJetStream } from './provisioning';
import { PubAckRequests } from './pub-acks';
import { encodeEnvelope, testEnvelope, testIdentities } from './testing/envelopes';
import { readBusStream } from './testing/stream-reader';
import { startSecuredNats, type SecuredNats } from './testing/secured-nats';

const { signers } = testIdentities(['service:intake']);

describe('PubAckRequests against a real nats-server', () => {
  let nats: SecuredNats;
  let admin: NatsConnection;
  let intake: NatsConnection;

  beforeAll(async () => {
    nats = await startSecuredNats();
    await provisionJetStream(await nats.connectAs('provisioner'), { streams: Object.values(Streams), consumers: Consumers.approval });
    admin = await nats.connectAs('admin');
    intake = await nats.connectAs('intake');
  }, 30_000); // a nats-server start and provisioning on a loaded 2-core machine can take over jest's 5 s
  afterAll(() => nats.stop());

  it('resolves once JetStream stored the message, with Nats-Msg-Id set, and once more for a duplicate', async () => {
    const acks = new PubAckRequests(intake, 1_000);
    const envelope = testEnvelope(signers['service:intake']!, 'pub-ack');
    await acks.publish(subjectFor(envelope), encodeEnvelope(envelope), envelope.id);
    await acks.publish(subjectFor(envelope), encodeEnvelope(envelope), envelope.id);
    acks.close();
    const stored = (await readBusStream(admin, Streams.events.name)).filter((message) => message.msgId === envelope.id);
    expect(stored).toHaveLength(1);
  });

  it('refuses a subject no stream takes (503) instead of waiting for its timeout', async () => {
    const acks = new PubAckRequests(admin, 10_000);
    const started = Date.now();
    await expect(acks.publish(`nostream.${randomUUID()}`, new Uint8Array(), randomUUID())).rejects.toThrow(/no responders/);
    expect(Date.now() - started).toBeLessThan(5_000);
    acks.close();
  });

  it('refuses a JetStream API error and times out when no answer comes', async () => {
    const acks = new PubAckRequests(admin, 300);
    const headers = natsHeaders();
    headers.set('Nats-Expected-Stream', 'NOT_THIS_ONE');
    const envelope = testEnvelope(signers['service:intake']!, 'wrong-stream');
    await expect(acks.publish(subjectFor(envelope), encodeEnvelope(envelope), envelope.id, headers)).rejects.toThrow(/stream/i);
    const quiet = admin.subscribe(`quiet.${randomUUID()}`);
    await expect(acks.publish(quiet.getSubject(), new Uint8Array(), randomUUID())).rejects.toThrow(/no PubAck .* within 300 ms/);
    quiet.unsubscribe();
    acks.close();
  });
});
