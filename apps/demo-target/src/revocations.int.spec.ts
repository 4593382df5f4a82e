import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventTypes, Streams, targetConsumer, type Envelope } from '@countersign/contracts';
import { mintExecutionToken } from '@countersign/credentials';
import {
  EnvelopeSigner,
  importPrivateKey,
  loadIdentity,
  loadNatsCredentials,
  loadNatsUsers,
  provision,
  renderNatsConfig,
} from '@countersign/identity';
import { connectNats, provisionJetStream } from '@countersign/messaging';
import { freePort, startNatsServer, type RunningNatsServer } from '@countersign/testing';
import type { NatsConnection } from 'nats';
import { loadDemoTargetConfig } from './config';
import { RevocationFeed } from './revocation-feed';
import { createDemoTarget, type DemoTarget } from './server';

const REPO = join(__dirname, '..', '..', '..');
const description = JSON.parse(readFileSync(join(REPO, 'deploy', 'identities.json'), 'utf8')) as unknown;
const REVOKED_SUBJECT = 'cs.evt.broker.credential.revoked.v1';
const silent = { log: () => undefined, warn: () => undefined, error: () => undefined };

describe('demo target following revocations on a real nats-server', () => {
  let home: string;
  let nats: RunningNatsServer;
  const connections: NatsConnection[] = [];
  let target: DemoTarget;
  let feed: RevocationFeed;
  let baseUrl: string;
  let port: number;
  let caughtUp = 0;
  const lines: string[] = [];

  const connectAs = async (user: string) => {
    const credentials = loadNatsCredentials(home, user);
    const nc = await connectNats({
      url: nats.url,
      user,
      seed: credentials.seed,
      inboxPrefix: credentials.inboxPrefix,
      name: user,
      logger: silent,
    });
    connections.push(nc);
    return nc;
  };
  const signerOf = (id: string) => new EnvelopeSigner(id, loadIdentity(home, id).signing);
  const broker = () => signerOf('service:broker');

  const mint = async () => {
    const now = new Date();
    const pair = loadIdentity(home, 'service:broker').signing;
    const input = { requestId: randomUUID(), digest: 'cd'.repeat(32), credentialId: randomUUID() };
    const token = await mintExecutionToken({
      privateKey: importPrivateKey(pair.privateKey),
      keyId: pair.keyId,
      ...input,
      target: 'demo-target',
      executor: 'service:executor',
      notBefore: now,
      expiresAt: new Date(now.getTime() + 300_000),
      now,
    });
    return { token, ...input };
  };
  const call = async (minted: Awaited<ReturnType<typeof mint>>) => {
    const response = await fetch(`${baseUrl}/deploy`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${minted.token}`,
        'x-countersign-request': minted.requestId,
        'x-countersign-digest': minted.digest,
      },
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const revocation = (minted: { requestId: string; credentialId: string }, signer: EnvelopeSigner = broker()): Envelope => {
    const now = new Date().toISOString();
    const data = { requestId: minted.requestId, credentialId: minted.credentialId, reason: 'window_ended', revokedAt: now };
    return signer.sign({ id: randomUUID(), type: EventTypes.CredentialRevoked, subject: minted.requestId, time: now, data });
  };
  const publishAsBroker = async (body: unknown) =>
    (await connectAs('broker')).jetstream().publish(REVOKED_SUBJECT, Buffer.from(JSON.stringify(body)));
  const settled = async () => {
    const jsm = await (await connectAs('provisioner')).jetstreamManager();
    for (let tries = 0; tries < 250; tries += 1) {
      const info = await jsm.consumers.info(Streams.events.name, 'target-demo-target');
      if (info.num_pending === 0 && info.num_ack_pending === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error('the revocation consumer did not settle');
  };

  const startTarget = async () => {
    const config = loadDemoTargetConfig({
      COUNTERSIGN_HOME: home,
      COUNTERSIGN_NATS_URL: nats.url,
      DEMO_TARGET_DB: join(home, 'demo.sqlite'),
    });
    target = createDemoTarget(config);
    feed = new RevocationFeed({
      nc: await connectAs(config.nats!.credentials.user),
      consumer: targetConsumer(config.targetName),
      trust: config.trust,
      revoke: (entry) => target.revoke(entry),
      log: (line) => lines.push(line),
    });
    ({ caughtUp } = await feed.start());
    baseUrl = await target.listen(port);
  };
  const stopTarget = async () => {
    await feed.stop();
    await target.close();
  };

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'demo-target-revocations-'));
    provision({ description, home });
    nats = await startNatsServer({ config: (settings) => renderNatsConfig(settings, loadNatsUsers(home)) });
    await provisionJetStream(await connectAs('provisioner'), {
      streams: Object.values(Streams),
      consumers: [targetConsumer('demo-target')],
    });
    port = await freePort();
    await startTarget();
  });

  afterAll(async () => {
    await stopTarget();
    await Promise.all(connections.map((nc) => nc.close()));
    await nats.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('refuses a token once the broker revoked its credential, and records no effect', async () => {
    const minted = await mint();
    await publishAsBroker(revocation(minted));
    await settled();
    expect(target.isRevoked(minted.credentialId)).toBe(true);
    expect(await call(minted)).toEqual({ status: 401, body: { error: 'token_revoked' } });
    const effects = (await (await fetch(`${baseUrl}/effects?requestId=${minted.requestId}`)).json()) as { effects: unknown[] };
    expect(effects.effects).toEqual([]);
  });

  it('still honours a token whose credential was not revoked', async () => {
    expect((await call(await mint())).status).toBe(200);
  });

  type Ids = { requestId: string; credentialId: string };
  it.each([
    ['under another identity than its key’s', 'signer_mismatch', (ids: Ids) => ({ ...revocation(ids), signer: 'service:intake' })],
    ['signed by a service that may not revoke', 'type_not_allowed', (ids: Ids) => revocation(ids, signerOf('service:intake'))],
    [
      'altered after signing',
      'bad_signature',
      (ids: Ids) => {
        const genuine = revocation({ requestId: ids.requestId, credentialId: randomUUID() });
        return { ...genuine, data: { ...(genuine.data as object), credentialId: ids.credentialId } };
      },
    ],
    ['that is no envelope at all', 'invalid_envelope', (ids: Ids) => ({ credentialId: ids.credentialId })],
  ])('ignores a revocation %s (%s)', async (_, code, forge) => {
    const minted = await mint();
    await publishAsBroker(forge(minted));
    await settled();
    expect(target.isRevoked(minted.credentialId)).toBe(false);
    expect((await call(minted)).status).toBe(200);
    expect(lines.some((line) => line.startsWith('refused message') && line.includes(code))).toBe(true);
  });

  it('catches up, before it answers again, on revocations sent while it was down', async () => {
    const minted = await mint();
    await stopTarget();
    await publishAsBroker(revocation(minted));
    await startTarget();
    expect(caughtUp).toBe(1);
    expect(await call(minted)).toEqual({ status: 401, body: { error: 'token_revoked' } });
  });

  it('gives the target a NATS user that can read its revocations and publish nothing', async () => {
    const user = loadNatsCredentials(home, 'target-demo-target').user;
    const js = (await connectAs(user)).jetstream();
    await expect(js.publish(REVOKED_SUBJECT, Buffer.from('{}'))).rejects.toMatchObject({ code: 'PERMISSIONS_VIOLATION' });
    await expect(js.publish('cs.submit.deploy-bot', Buffer.from('{}'))).rejects.toMatchObject({ code: 'PERMISSIONS_VIOLATION' });
  });

  it('still answers reuse as reuse when the used credential is revoked afterwards', async () => {
    const minted = await mint();
    expect((await call(minted)).status).toBe(200);
    await publishAsBroker(revocation(minted));
    await settled();
    expect(await call(minted)).toEqual({ status: 409, body: { error: 'token_reused' } });
  });
});
