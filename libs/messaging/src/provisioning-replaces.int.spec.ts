import { Consumers, EventTypes, Streams, Subjects, type ConsumerSpec } from '@countersign/contracts';
import type { JetStreamClient, NatsConnection } from 'nats';
import { provisionJetStream } from './provisioning';
import { startSecuredNats, type SecuredNats } from './testing/secured-nats';

/** The whole-service durable intake had before it took the broker's events one type at a time. */
const before: ConsumerSpec = { stream: Streams.events.name, durable: 'intake-broker', filterSubject: 'cs.evt.broker.>', service: 'intake' };
const successors = Consumers.intake.filter((consumer) => consumer.replaces?.includes(before.durable));
const refused = Subjects.serviceEvent('broker', EventTypes.CredentialRefused);
const issued = Subjects.serviceEvent('broker', EventTypes.CredentialIssued);
const deadLettered = Subjects.serviceEvent('broker', EventTypes.MessageDeadLettered);

async function pull(js: JetStreamClient, durable: string, max: number, ack: (seq: number) => boolean) {
  const batch = await (await js.consumers.get(Streams.events.name, durable)).fetch({ max_messages: max, expires: 1_000 });
  const seen: number[] = [];
  for await (const message of batch) {
    seen.push(message.seq);
    if (ack(message.seq)) await message.ackAck();
  }
  return seen;
}

describe('provisioning a consumer that replaces an existing durable, against a real nats-server', () => {
  let nats: SecuredNats;
  let admin: NatsConnection;

  beforeAll(async () => {
    nats = await startSecuredNats();
    admin = await nats.connectAs('admin');
  });
  afterAll(() => nats.stop());

  it('starts after what the old durable acknowledged, delivers what it had not, then deletes it; twice changes nothing', async () => {
    const provisioner = await nats.connectAs('provisioner');
    await provisionJetStream(provisioner, { streams: [Streams.events], consumers: [before] });
    const js = admin.jetstream();
    for (const subject of [refused, issued, deadLettered, refused, refused, deadLettered]) await js.publish(subject, Buffer.from('{}'));

    // The old intake acknowledged 1-3, was handed 4 and crashed before acknowledging it; 5 and 6 never reached it.
    expect(await pull(js, before.durable, 4, (seq) => seq <= 3)).toEqual([1, 2, 3, 4]);

    const names = successors.map((consumer) => `consumer ${consumer.stream}/${consumer.durable}`);
    const first = await provisionJetStream(provisioner, { streams: [Streams.events], consumers: successors });
    expect(first).toEqual({
      created: names,
      unchanged: [`stream ${Streams.events.name}`],
      drifts: [],
      deleted: [`consumer ${Streams.events.name}/intake-broker`],
    });

    expect(await pull(js, 'intake-broker-credential-refused', 10, () => true)).toEqual([4, 5]);
    expect(await pull(js, 'intake-broker-deadletters', 10, () => true)).toEqual([6]);
    const jsm = await admin.jetstreamManager();
    await expect(jsm.consumers.info(Streams.events.name, before.durable)).rejects.toMatchObject({ api_error: { err_code: 10014 } });

    const second = await provisionJetStream(provisioner, { streams: [Streams.events], consumers: successors });
    expect(second).toEqual({ created: [], unchanged: [`stream ${Streams.events.name}`, ...names], drifts: [], deleted: [] });
  });

  it('starts at the beginning when the replaced durable never existed (a fresh deployment)', async () => {
    const provisioner = await nats.connectAs('provisioner');
    const executors = Consumers.intake.filter((consumer) => consumer.replaces?.includes('intake-executor'));
    const js = admin.jetstream();
    const { seq } = await js.publish(Subjects.serviceEvent('executor', EventTypes.ExecutionSucceeded), Buffer.from('{}'));

    const report = await provisionJetStream(provisioner, { streams: [Streams.events], consumers: executors });

    expect(report.deleted).toEqual([]);
    expect(await pull(js, 'intake-executor-execution-succeeded', 10, () => true)).toEqual([seq]);
  });
});
