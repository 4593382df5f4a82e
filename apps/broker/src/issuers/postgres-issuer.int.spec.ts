import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { POSTGRES_SQL_KIND, type CanonicalAction, type PostgresGrantSecret, type RegisteredTarget } from '@countersign/contracts';
import { POSTGRES_DEMO, postgresUnavailable, startPostgres, writePostgresAdmins, type RunningPostgres } from '@countersign/testing';
import type { GrantRequest } from './credential-issuer';
import { PostgresIssuer } from './postgres-issuer';

const unavailable = postgresUnavailable();
if (unavailable) console.warn(`skipping the PostgreSQL issuer suite: ${unavailable}`);
const describePostgres = unavailable ? describe.skip : describe;

const TARGET = 'demo-postgres';
let credentialSeq = 0;
const credentialId = () => `4fa0ce96-7d5c-4b5e-9a9b-${String(++credentialSeq).padStart(12, '0')}`;

describePostgres('the broker’s PostgreSQL issuer on a real server', () => {
  let pg: RunningPostgres;
  let dir: string;
  let issuer: PostgresIssuer;
  let target: RegisteredTarget;

  beforeAll(async () => {
    pg = await startPostgres();
    dir = mkdtempSync(join(tmpdir(), 'countersign-pg-admins-'));
    const adminsFile = join(dir, 'postgres-admins.json');
    writePostgresAdmins(adminsFile, { [TARGET]: pg.admin });
    issuer = new PostgresIssuer(adminsFile);
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

  const request = (grant: string, expiresAt = new Date(Date.now() + 60_000).toISOString()): GrantRequest => ({
    requestId: '0d6f6a52-6f0e-4a53-9d1e-5b3c1c2f4a11',
    credentialId: credentialId(),
    action: { kind: POSTGRES_SQL_KIND, target: TARGET, parameters: { statements: ['SELECT 1'], grant } } as unknown as CanonicalAction,
    target,
    notBefore: new Date().toISOString(),
    expiresAt,
  });

  const login = (secret: PostgresGrantSecret) =>
    new Client({ host: pg.host, port: pg.port, database: pg.database, user: secret.user, password: secret.password });

  async function issued(grant: string, expiresAt?: string) {
    const req = request(grant, expiresAt);
    const plan = issuer.prepare(req);
    if (!plan.ok) throw new Error(plan.message);
    const grantMade = await issuer.issue(req, plan.handle);
    return { handle: plan.handle, secret: grantMade.secret as PostgresGrantSecret };
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

  it('refuses a grant the target does not register, and a target without an admin login', () => {
    expect(issuer.prepare(request('pg_read_all_data'))).toEqual({
      ok: false,
      message: `${TARGET} does not allow the grant pg_read_all_data`,
    });
    const stranger = { ...request('app_read'), target: { ...target, name: 'other-db' } };
    expect(issuer.prepare(stranger)).toEqual({ ok: false, message: 'no admin login for other-db' });
  });

  it('creates a login role that can do what its grant allows and nothing else, then drops it', async () => {
    const { handle, secret } = await issued('app_write');
    expect(secret.user).toBe(handle);
    const client = login(secret);
    await client.connect();
    const inserted = await client.query("INSERT INTO orders (item, quantity) VALUES ('widget', 3)");
    expect(inserted.rowCount).toBe(1);
    // Outside the grant: no DDL on the table, no reading the catalogue's secrets, no new roles.
    await expect(client.query('DROP TABLE orders')).rejects.toThrow(/must be owner|permission denied/);
    await expect(client.query('SELECT rolpassword FROM pg_authid')).rejects.toThrow(/permission denied/);
    await expect(client.query('CREATE ROLE sneaky')).rejects.toThrow(/permission denied/);
    const attributes = await client.query<{ rolconnlimit: number; rolvaliduntil: Date | null; rolsuper: boolean }>(
      'SELECT rolconnlimit, rolvaliduntil, rolsuper FROM pg_roles WHERE rolname = current_user',
    );
    expect(attributes.rows[0]).toMatchObject({ rolconnlimit: 2, rolsuper: false });
    expect(attributes.rows[0]!.rolvaliduntil).not.toBeNull();

    // The open session is terminated by the revocation, the role is gone, the password is useless.
    const ended = new Promise<void>((resolve) => client.on('error', () => resolve()));
    await issuer.revoke({ kind: POSTGRES_SQL_KIND, handle, target });
    await ended;
    expect(await roleExists(handle)).toBe(false);
    await expect(login(secret).connect()).rejects.toThrow(/password authentication failed|does not exist/);
    await client.end().catch(() => undefined);
    // Idempotent: a retried revocation of a role already gone succeeds.
    await issuer.revoke({ kind: POSTGRES_SQL_KIND, handle, target });
  }, 60_000);

  it('gives a read grant no write', async () => {
    const { handle, secret } = await issued('app_read');
    const client = login(secret);
    await client.connect();
    try {
      await expect(client.query('SELECT count(*) FROM orders')).resolves.toBeDefined();
      await expect(client.query("INSERT INTO orders (item, quantity) VALUES ('x', 1)")).rejects.toThrow(/permission denied/);
    } finally {
      await client.end();
      await issuer.revoke({ kind: POSTGRES_SQL_KIND, handle, target });
    }
  }, 60_000);

  it('re-issues the same handle with a fresh password, so the first one no longer logs in', async () => {
    const req = request('app_read');
    const plan = issuer.prepare(req);
    if (!plan.ok) throw new Error(plan.message);
    const first = (await issuer.issue(req, plan.handle)).secret as PostgresGrantSecret;
    const second = (await issuer.issue(req, plan.handle)).secret as PostgresGrantSecret;
    expect(second.user).toBe(first.user);
    await expect(login(first).connect()).rejects.toThrow(/password authentication failed/);
    const client = login(second);
    await client.connect();
    await client.end();
    await issuer.revoke({ kind: POSTGRES_SQL_KIND, handle: plan.handle, target });
  }, 60_000);

  it('sets VALID UNTIL to the window end: past it the password no longer logs in', async () => {
    const { handle, secret } = await issued('app_read', new Date(Date.now() + 2_000).toISOString());
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await expect(login(secret).connect()).rejects.toThrow(/password authentication failed/);
    await issuer.revoke({ kind: POSTGRES_SQL_KIND, handle, target });
    expect(await roleExists(handle)).toBe(false);
  }, 60_000);

  it('throws while the server cannot be reached, so the broker retries the revocation', async () => {
    const gone = { ...target, address: `postgres://127.0.0.1:1/${pg.database}` };
    await expect(issuer.revoke({ kind: POSTGRES_SQL_KIND, handle: 'cs_00000000000000000000000000000000', target: gone })).rejects.toThrow();
  });
});
