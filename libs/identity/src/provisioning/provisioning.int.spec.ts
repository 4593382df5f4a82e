import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, nkeyAuthenticator, RetentionPolicy, StorageType, type ConnectionOptions, type NatsConnection } from 'nats';
import { Streams } from '@countersign/contracts';
import { startNatsServer, type RunningNatsServer } from '@countersign/testing';
import { enrollmentFileName } from './enrollment';
import { loadNatsUsers, loadTrustStore } from './home';
import { createNkeySeed, enrollmentOf, ensureKeyFile, natsCredentialsOf, ownerOf, type KeyFile, type KeyOwner } from './key-custody';
import { renderNatsConfig } from './nats-config';
import { natsPrincipalsOf, provision, type ProvisionResult } from './provision';
import { IdentityDescription } from './description';

jest.setTimeout(60_000);

const description = IdentityDescription.parse(
  JSON.parse(readFileSync(join(__dirname, '../../../../deploy/identities.json'), 'utf8')) as unknown,
);
const owners = natsPrincipalsOf(description).map(ownerOf);

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

/**
 * Each identity makes its key on "its own machine" (a folder of its own, as `countersign keys init`
 * does); only the public enrollments travel to provisioning, which writes into a separate folder.
 */
describe('provisioning from enrollments against a real nats-server with NKEY users', () => {
  let root: string;
  let out: string;
  let enrollments: string;
  let result: ProvisionResult;
  let server: RunningNatsServer;
  const machines = new Map<KeyOwner, KeyFile>();
  const connections: NatsConnection[] = [];
  const machine = (owner: KeyOwner) => join(root, 'machines', owner.replace(':', '-'), 'key.json');

  const dial = async (options: Partial<ConnectionOptions>) => {
    const nc = await connect({ servers: server.url, noAsyncTraces: true, maxReconnectAttempts: 0, ...options });
    connections.push(nc);
    return nc;
  };
  const connectAs = (owner: KeyOwner) => {
    const credentials = natsCredentialsOf(machines.get(owner)!);
    return dial({ authenticator: nkeyAuthenticator(new TextEncoder().encode(credentials.seed)), inboxPrefix: credentials.inboxPrefix });
  };

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'countersign-enroll-'));
    out = join(root, 'provisioned');
    enrollments = join(root, 'enrollments');
    mkdirSync(enrollments);
    for (const owner of owners) {
      const { file } = ensureKeyFile(machine(owner), owner);
      machines.set(owner, file);
      if (owner !== 'provisioner') writeFileSync(join(enrollments, enrollmentFileName(owner)), JSON.stringify(enrollmentOf(file)));
    }
    result = provision({ description, home: out, enrollments, provisionerKeyFile: machine('provisioner') });
    server = await startNatsServer({ config: (settings) => renderNatsConfig(settings, loadNatsUsers(out)) });
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
    await Promise.all(connections.filter((nc) => !nc.isClosed()).map((nc) => nc.close()));
    await server?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('writes no private key, seed or password anywhere in its output, and holds every public key', () => {
    expect(result.mode).toBe('enrollment');
    expect(result.notEnrolled).toEqual([]);
    const files = filesUnder(out);
    expect(files).toEqual(expect.arrayContaining(result.written));
    const secrets = [...machines.values()].flatMap((file) => [file.nats.seed, file.signing?.privateKey, file.encryption?.privateKey]);
    for (const path of files) {
      const text = readFileSync(path, 'utf8');
      expect([path, /privateKey|password|"seed"|\bSU[A-Z2-7]{50,}/.test(text)]).toEqual([path, false]);
      for (const secret of secrets) if (secret) expect([path, text.includes(secret)]).toEqual([path, false]);
    }
    const config = renderNatsConfig({ port: 1, storeDir: '/x' }, loadNatsUsers(out));
    expect(config).not.toMatch(/password|pass:/);
    expect(config.match(/nkey: "U[A-Z2-7]{55}"/g)).toHaveLength(owners.length);
    expect(loadTrustStore(out).activeEncryptionKey('service:executor')?.keyId).toBe(machines.get('service:executor')!.encryption!.keyId);
  });

  it('keeps the output the same when provisioning runs again on the same enrollments', () => {
    const before = readFileSync(join(out, 'trust.json'), 'utf8');
    expect(provision({ description, home: out, enrollments, provisionerKeyFile: machine('provisioner') }).generated).toEqual([]);
    expect(readFileSync(join(out, 'trust.json'), 'utf8')).toBe(before);
    expect(statSync(machine('service:broker')).mode & 0o777).toBe(0o600);
  });

  it('lets every identity connect with its own seed', async () => {
    for (const owner of owners) {
      const nc = await connectAs(owner);
      await expect(nc.flush()).resolves.toBeUndefined();
      await nc.close();
    }
  });

  it('refuses a client presenting only what the server configuration holds (public NKEYs), or an unenrolled seed', async () => {
    const nkey = loadNatsUsers(out).find((user) => user.user === 'intake')!.nkey;
    const refused = { code: 'AUTHORIZATION_VIOLATION' };
    await expect(dial({ user: nkey, pass: '' })).rejects.toMatchObject(refused);
    await expect(dial({ user: 'intake', pass: nkey })).rejects.toMatchObject(refused);
    await expect(dial({ token: nkey })).rejects.toMatchObject(refused);
    await expect(dial({})).rejects.toMatchObject(refused);
    await expect(dial({ authenticator: nkeyAuthenticator(new TextEncoder().encode(createNkeySeed())) })).rejects.toMatchObject(refused);
  });

  it('lets a requester publish only on its own submission subject', async () => {
    const js = (await connectAs('requester:deploy-bot')).jetstream();
    await expect(js.publish('cs.submit.deploy-bot', new Uint8Array([1]))).resolves.toMatchObject({ stream: 'CS_SUBMISSIONS' });
    await expect(js.publish('cs.submit.payments-agent', new Uint8Array([1]))).rejects.toMatchObject({ code: 'PERMISSIONS_VIOLATION' });
    await expect(js.publish('cs.evt.approval.request.approved.v1', new Uint8Array([1]))).rejects.toMatchObject({
      code: 'PERMISSIONS_VIOLATION',
    });
  });

  it('keeps each service to its own event subjects', async () => {
    const js = (await connectAs('service:intake')).jetstream();
    await expect(js.publish('cs.evt.intake.request.accepted.v1', new Uint8Array([1]))).resolves.toBeDefined();
    await expect(js.publish('cs.evt.approval.request.approved.v1', new Uint8Array([1]))).rejects.toMatchObject({
      code: 'PERMISSIONS_VIOLATION',
    });
    await expect(js.publish('cs.evt.broker.credential.issued.v1', new Uint8Array([1]))).rejects.toMatchObject({
      code: 'PERMISSIONS_VIOLATION',
    });
  });

  it('lets an approver publish only its own votes', async () => {
    const js = (await connectAs('approver:alice')).jetstream();
    await expect(js.publish('cs.vote.bob', new Uint8Array([1]))).rejects.toMatchObject({ code: 'PERMISSIONS_VIOLATION' });
  });

  it('denies JetStream delete, purge and update to service identities and erasure of audit to everyone', async () => {
    const audit = await connectAs('service:audit');
    const request = (nc: NatsConnection, subject: string) => nc.request(subject, new Uint8Array(), { timeout: 1000 });
    for (const verb of ['DELETE', 'PURGE', 'UPDATE']) {
      await expect(request(audit, `$JS.API.STREAM.${verb}.${Streams.audit.name}`)).rejects.toMatchObject({ code: 'PERMISSIONS_VIOLATION' });
    }
    const provisioner = await connectAs('provisioner');
    await expect(request(provisioner, `$JS.API.STREAM.PURGE.${Streams.audit.name}`)).rejects.toMatchObject({
      code: 'PERMISSIONS_VIOLATION',
    });
  });

  describe('refuses enrollments it cannot trust', () => {
    const attempt = (mutate: (dir: string) => void) => {
      const dir = mkdtempSync(join(root, 'bad-'));
      for (const name of readdirSync(enrollments)) copyFileSync(join(enrollments, name), join(dir, name));
      mutate(dir);
      return () => provision({ description, home: join(dir, 'out'), enrollments: dir, provisionerKeyFile: machine('provisioner') });
    };
    const alice = enrollmentFileName('approver:alice');

    it('a key file sent instead of an enrollment (private material), naming the field', () => {
      expect(attempt((dir) => copyFileSync(machine('approver:alice'), join(dir, alice)))).toThrow(
        /contains private material \(signing\.privateKey\)/,
      );
    });

    it('an enrollment with a seed pasted into it', () => {
      const enrollment = { ...enrollmentOf(machines.get('approver:alice')!), note: machines.get('approver:alice')!.nats.seed };
      expect(attempt((dir) => writeFileSync(join(dir, alice), JSON.stringify(enrollment)))).toThrow(/contains private material \(note\)/);
    });

    it('a key id that does not belong to its public key, and an identity the description does not name', () => {
      const enrollment = enrollmentOf(machines.get('approver:alice')!);
      const wrongId = {
        ...enrollment,
        signing: { ...enrollment.signing!, keyId: enrollmentOf(machines.get('approver:bob')!).signing!.keyId },
      };
      expect(attempt((dir) => writeFileSync(join(dir, alice), JSON.stringify(wrongId)))).toThrow(/does not match its public key/);
      const stranger = { ...enrollmentOf(ensureKeyFile(join(root, 'mallory.json'), 'approver:mallory').file) };
      expect(attempt((dir) => writeFileSync(join(dir, 'mallory.json'), JSON.stringify(stranger)))).toThrow(/does not name/);
    });

    it('leaves an identity without enrollment out of the trust store and the NATS users (fail closed)', () => {
      const dir = mkdtempSync(join(root, 'partial-'));
      for (const name of readdirSync(enrollments)) if (name !== alice) copyFileSync(join(enrollments, name), join(dir, name));
      const partial = provision({ description, home: join(dir, 'out'), enrollments: dir, provisionerKeyFile: machine('provisioner') });
      expect(partial.notEnrolled).toEqual(['approver:alice']);
      expect(loadTrustStore(join(dir, 'out')).knows('approver:alice')).toBe(false);
      expect(loadNatsUsers(join(dir, 'out')).map((user) => user.user)).not.toContain('approver-alice');
    });
  });
});
