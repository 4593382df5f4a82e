import { Consumers, Streams } from '@countersign/contracts';
import { AckPolicy, StorageType, nanos } from 'nats';
import { DEFAULT_JETSTREAM_SETTINGS, provisionJetStream, type ProvisioningPlan } from './provisioning';
import { startSecuredNats, type SecuredNats } from './testing/secured-nats';

const plan: ProvisioningPlan = {
  streams: Object.values(Streams),
  consumers: [...Consumers.intake, ...Consumers.approval],
};
const names = [...plan.streams.map((s) => `stream ${s.name}`), ...plan.consumers.map((c) => `consumer ${c.stream}/${c.durable}`)];

describe('provisionJetStream against a real nats-server', () => {
  let nats: SecuredNats;

  beforeAll(async () => {
    nats = await startSecuredNats();
  });
  afterAll(() => nats.stop());

  it('creates streams and pull consumers once, then leaves them alone', async () => {
    const provisioner = await nats.connectAs('provisioner');
    const first = await provisionJetStream(provisioner, plan);
    expect(first).toEqual({ created: names, unchanged: [], drifts: [], deleted: [] });

    const second = await provisionJetStream(provisioner, plan);
    expect(second).toEqual({ created: [], unchanged: names, drifts: [], deleted: [] });

    const jsm = await provisioner.jetstreamManager();
    const audit = (await jsm.streams.info(Streams.audit.name)).config;
    expect(audit).toMatchObject({ storage: StorageType.File, deny_delete: true, deny_purge: true, num_replicas: 1 });
    expect(audit.duplicate_window).toBe(nanos(15 * 60_000));
    expect(audit.max_msg_size).toBe(DEFAULT_JETSTREAM_SETTINGS.maxMsgSize);
    const consumer = (await jsm.consumers.info(Streams.events.name, 'approval-intake')).config;
    expect(consumer).toMatchObject({ ack_policy: AckPolicy.Explicit, filter_subject: 'cs.evt.intake.>', max_deliver: -1 });
    expect(consumer.deliver_subject).toBeUndefined();
  });

  it('reports configuration drift instead of updating', async () => {
    const admin = await (await nats.connectAs('admin')).jetstreamManager();
    const votes = (await admin.streams.info(Streams.votes.name)).config;
    await admin.streams.update(Streams.votes.name, { ...votes, max_msg_size: 1024 });

    const report = await provisionJetStream(await nats.connectAs('provisioner'), { ...plan, settings: { ackWaitMs: 5_000 } });

    expect(report.created).toEqual([]);
    expect(report.drifts).toContainEqual({
      resource: `stream ${Streams.votes.name}`,
      field: 'max_msg_size',
      expected: DEFAULT_JETSTREAM_SETTINGS.maxMsgSize,
      actual: 1024,
    });
    const ackWaitDrifts = report.drifts.filter((drift) => drift.field === 'ack_wait');
    expect(ackWaitDrifts).toHaveLength(plan.consumers.length);
    expect(ackWaitDrifts[0]).toMatchObject({ expected: nanos(5_000), actual: nanos(30_000) });
    expect((await admin.streams.info(Streams.votes.name)).config.max_msg_size).toBe(1024);
    expect((await admin.consumers.info(Streams.events.name, 'approval-intake')).config.ack_wait).toBe(nanos(30_000));
  });

  it('leaves an audit stream that refuses purge and message deletion even to an unrestricted user', async () => {
    const adminConnection = await nats.connectAs('admin');
    const admin = await adminConnection.jetstreamManager();
    const { seq } = await adminConnection.jetstream().publish('cs.audit.record', Buffer.from('{}'));
    await expect(admin.streams.purge(Streams.audit.name)).rejects.toThrow(/purge not permitted/i);
    await expect(admin.streams.deleteMessage(Streams.audit.name, seq)).rejects.toThrow(/message delete not permitted/i);
    expect((await admin.streams.info(Streams.audit.name)).state.messages).toBe(1);
  });

  it('relies on permissions to refuse deleting the audit stream itself (deny_delete covers messages only)', async () => {
    for (const user of ['provisioner', 'intake']) {
      const jsm = await (await nats.connectAs(user)).jetstreamManager();
      await expect(jsm.streams.delete(Streams.audit.name)).rejects.toMatchObject({ code: 'PERMISSIONS_VIOLATION' });
    }
    const admin = await (await nats.connectAs('admin')).jetstreamManager();
    expect((await admin.streams.info(Streams.audit.name)).config.name).toBe(Streams.audit.name);
  });

  it('cannot be run with a service identity', async () => {
    const intake = await nats.connectAs('intake');
    const streams = [{ name: 'CS_ROGUE', subjects: ['rogue.>'], description: 'not allowed', immutable: false }];
    await expect(provisionJetStream(intake, { streams, consumers: [] })).rejects.toMatchObject({ code: 'PERMISSIONS_VIOLATION' });
  });
});
