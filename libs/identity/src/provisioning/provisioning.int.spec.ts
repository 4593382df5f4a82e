import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, RetentionPolicy, StorageType, type NatsConnection } from 'nats';
import { Streams } from '@countersign/contracts';
import { startNatsServer, type RunningNatsServer } from '@countersign/testing';
import { loadNatsCredentials, loadNatsUsers, loadTrustStore } from './home';
import { renderNatsConfig } from './nats-config';
import { provision } from './provision';

const description = JSON.parse(readFileSync(join(__dirname, '../../../../deploy/identities.json'), 'utf8')) as unknown;

describe('provisioning against a real nats-server', () => {
  let home: string;
  let server: RunningNatsServer;
  const connections: NatsConnection[] = [];

  const connectAs = async (user: string) => {
    const credentials = loadNatsCredentials(home, user);
    const nc = await connect({
      servers: server.url,
      user: credentials.user,
      pass: credentials.password,
      inboxPrefix: credentials.inboxPrefix,
      noAsyncTraces: true,
    });
    connections.push(nc);
    return nc;
  };

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'countersign-home-'));
    provision({ description, home });
    server = await startNatsServer({ config: (settings) => renderNatsConfig(settings, loadNatsUsers(home)) });
    const jsm = await (await connectAs('provisioner')).jetstreamManager();
    for (const stream of Object.values(Streams)) {
      await jsm.streams.add({
        name: stream.name,
        subjects: [...stream.subjects],
        storage: StorageType.File,
        retention: RetentionPolicy.Limits,
        deny_delete: stream.immutable,
        deny_purge: stream.immutable,
      });
    }
  });

  afterAll(async () => {
    await Promise.all(connections.map((nc) => nc.close()));
    await server.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('keeps private material private and keys stable across runs', () => {
    const before = readFileSync(join(home, 'trust.json'), 'utf8');
    const again = provision({ description, home });
    expect(again.generated).toEqual([]);
    expect(readFileSync(join(home, 'trust.json'), 'utf8')).toBe(before);
    expect(statSync(join(home, 'identities', 'service-broker.json')).mode & 0o777).toBe(0o600);
    expect(before).not.toContain('privateKey');
    expect(loadTrustStore(home).activeEncryptionKey('service:executor')).toBeDefined();
  });

  it('lets a requester publish only on its own submission subject', async () => {
    const js = (await connectAs('requester-deploy-bot')).jetstream();
    await expect(js.publish('cs.submit.deploy-bot', new Uint8Array([1]))).resolves.toMatchObject({ stream: 'CS_SUBMISSIONS' });
    await expect(js.publish('cs.submit.payments-agent', new Uint8Array([1]))).rejects.toMatchObject({ code: 'PERMISSIONS_VIOLATION' });
    await expect(js.publish('cs.evt.approval.request.approved.v1', new Uint8Array([1]))).rejects.toMatchObject({
      code: 'PERMISSIONS_VIOLATION',
    });
  });

  it('keeps each service to its own event subjects', async () => {
    const js = (await connectAs('intake')).jetstream();
    await expect(js.publish('cs.evt.intake.request.accepted.v1', new Uint8Array([1]))).resolves.toBeDefined();
    await expect(js.publish('cs.evt.approval.request.approved.v1', new Uint8Array([1]))).rejects.toMatchObject({
      code: 'PERMISSIONS_VIOLATION',
    });
    await expect(js.publish('cs.evt.broker.credential.issued.v1', new Uint8Array([1]))).rejects.toMatchObject({
      code: 'PERMISSIONS_VIOLATION',
    });
  });

  it('denies JetStream delete, purge and update to service identities and erasure of audit to everyone', async () => {
    const audit = await connectAs('audit');
    const request = (nc: NatsConnection, subject: string) => nc.request(subject, new Uint8Array(), { timeout: 1000 });
    for (const verb of ['DELETE', 'PURGE', 'UPDATE']) {
      await expect(request(audit, `$JS.API.STREAM.${verb}.${Streams.audit.name}`)).rejects.toMatchObject({ code: 'PERMISSIONS_VIOLATION' });
    }
    const provisioner = await connectAs('provisioner');
    await expect(request(provisioner, `$JS.API.STREAM.PURGE.${Streams.audit.name}`)).rejects.toMatchObject({
      code: 'PERMISSIONS_VIOLATION',
    });
  });
});
