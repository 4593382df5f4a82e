import { connect } from 'nats';
import { Consumers, Streams } from '@countersign/contracts';
import { connectNats, inboxPrefixFor, natsAuthenticator } from './connection';
import { provisionJetStream } from './provisioning';
import { startSecuredNats, type SecuredNats } from './testing/secured-nats';

describe('connectNats against a real nats-server with per-user inboxes', () => {
  let nats: SecuredNats;

  beforeAll(async () => {
    nats = await startSecuredNats();
    await provisionJetStream(await nats.connectAs('provisioner'), { streams: [Streams.events], consumers: Consumers.approval.slice(0, 1) });
  });
  afterAll(() => nats.stop());

  it('gets PubAcks through the user’s own inbox', async () => {
    const intake = await nats.connectAs('intake');
    await expect(intake.jetstream().publish('cs.evt.intake.probe.v1', Buffer.from('{}'))).resolves.toMatchObject({
      stream: Streams.events.name,
    });
  });

  it('is needed: with the shared _INBOX prefix a service user gets no replies', async () => {
    const nc = await connect({ servers: nats.server.url, authenticator: natsAuthenticator(nats.seed('intake')), noAsyncTraces: true });
    try {
      await expect(nc.jetstream().publish('cs.evt.intake.probe.v1', Buffer.from('{}'), { timeout: 1_000 })).rejects.toMatchObject({
        code: 'PERMISSIONS_VIOLATION',
      });
    } finally {
      await nc.close();
    }
  });

  it("keeps one user out of another user's inbox", async () => {
    const intake = await nats.connectAs('intake');
    const sub = intake.subscribe(`${inboxPrefixFor('approval')}.>`);
    const firstMessage = async () => {
      for await (const message of sub) return message.subject;
      return undefined;
    };
    await expect(firstMessage()).rejects.toMatchObject({ code: 'PERMISSIONS_VIOLATION' });
  });

  it('refuses a user name that cannot be a subject token', async () => {
    expect(() => inboxPrefixFor('bad.user')).toThrow(/subject token/);
    await expect(connectNats({ url: nats.server.url, user: 'a b', seed: nats.seed('intake'), name: 'bad' })).rejects.toThrow(
      /subject token/,
    );
  });
});
