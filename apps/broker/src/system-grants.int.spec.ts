import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { EventTypes, POSTGRES_SQL_KIND, type PostgresGrantSecret, type RegisteredTarget } from '@countersign/contracts';
import { credentialDecider, credentialStream } from '@countersign/broker-domain';
import { EnvelopeSigner, generateKeyPair } from '@countersign/identity';
import { DueWork, type ServiceRuntime } from '@countersign/service-runtime';
import { POSTGRES_DEMO, postgresUnavailable, startPostgres, writePostgresAdmins, type RunningPostgres } from '@countersign/testing';
import { CredentialIssuers, PostgresIssuer } from './issuers';
import { revocations } from './revocation.timer';
import { SystemGrants } from './system-grants';
import { acceptedPostgresGrant, grantsRuntimeOver } from './testing/grant-request.fixtures';

const unavailable = postgresUnavailable();
if (unavailable) console.warn(`skipping the broker grant-recovery suite: ${unavailable}`);
const describePostgres = unavailable ? describe.skip : describe;

const TARGET = 'demo-postgres';
const signer = new EnvelopeSigner('service:broker', generateKeyPair('ed25519', 'service:broker'));

/**
 * The broker dies after the grant was made on the system but before `credential.issued` was
 * appended (the window the intent record exists for). A broker restarted on the same SQLite store
 * rebuilds its due work from the store and drops the role at the grant's window end.
 */
describePostgres('a grant made just before the broker died', () => {
  let pg: RunningPostgres;
  let dir: string;
  let grants: () => CredentialIssuers;
  let target: RegisteredTarget;

  beforeAll(async () => {
    pg = await startPostgres();
    dir = mkdtempSync(join(tmpdir(), 'countersign-broker-grants-'));
    writePostgresAdmins(join(dir, 'admins.json'), { [TARGET]: pg.admin });
    grants = () => new CredentialIssuers([new PostgresIssuer(join(dir, 'admins.json'))]);
    target = {
      name: TARGET,
      environment: 'production',
      dataSensitivity: 'confidential',
      ownerTeam: 'data',
      kinds: [POSTGRES_SQL_KIND],
      address: pg.address,
      requesters: ['deploy-bot'],
      grants: [...POSTGRES_DEMO.grants],
    };
  }, 120_000);

  afterAll(async () => {
    await pg?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A broker process's view of its store: a fresh runner (no cache) over the same file. */
  function brokerOver(file: string) {
    const runtime = { ...grantsRuntimeOver(file, signer, target), config: { timerMs: 100 } };
    return { runtime, store: runtime.store, grants: new SystemGrants(runtime, grants()) };
  }

  async function roleExists(role: string): Promise<boolean> {
    const client = pg.superuser();
    await client.connect();
    try {
      return (await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role])).rowCount === 1;
    } finally {
      await client.end();
    }
  }

  it('drops the role at the window end after a restart, and records grant.revoked (never_issued)', async () => {
    const file = join(dir, 'broker.sqlite');
    const requestId = randomUUID();
    const { accepted, approval } = acceptedPostgresGrant(requestId, TARGET);

    // The first broker: the accepted request, then the grant, then it dies before credential.issued.
    const first = brokerOver(file);
    const stream = credentialStream(requestId);
    const now = new Date();
    await first.runtime.runner.run(credentialDecider, stream, { type: 'RecordAcceptedRequest', accepted }, { id: accepted.id, now });
    const state = await first.runtime.runner.load(credentialDecider, stream);
    const terms = { notBefore: now.toISOString(), expiresAt: new Date(now.getTime() + 3_000).toISOString() };
    const plan = await first.grants.plan(state, approval, terms, now);
    if (!plan.ok || !plan.grant) throw new Error('no grant was made');
    const secret = plan.secret as PostgresGrantSecret;
    expect(await roleExists(plan.grant.handle)).toBe(true);
    await first.store.close();

    // The restarted broker: its due-work index comes from the store alone.
    const second = brokerOver(file);
    const work = new DueWork(second.runtime as unknown as ServiceRuntime, revocations, (key) => second.grants.revokeIfDue(key));
    await work.start();
    try {
      await second.grants.revokeIfDue(requestId); // not due yet: the window is open
      expect(await roleExists(plan.grant.handle)).toBe(true);
      const deadline = Date.now() + 15_000;
      while ((await second.store.readStream(stream)).every((event) => event.type !== EventTypes.GrantRevoked)) {
        if (Date.now() > deadline) throw new Error('grant.revoked never recorded');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      await work.stop();
    }
    const after = await second.runtime.runner.load(credentialDecider, stream);
    expect(after.grantRevoked).toMatchObject({ reason: 'never_issued', grant: plan.grant, target: TARGET });
    expect(await roleExists(plan.grant.handle)).toBe(false);
    const login = new Client({ host: pg.host, port: pg.port, database: pg.database, user: secret.user, password: secret.password });
    await expect(login.connect()).rejects.toThrow(/password authentication failed/);
    await second.store.close();
  }, 60_000);
});
