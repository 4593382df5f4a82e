import { randomBytes, randomUUID } from 'node:crypto';
import { type Client } from 'pg';
import { POSTGRES_SQL_KIND, actionDigest, postgresRoleName, type CanonicalAction, type PostgresGrantSecret } from '@countersign/contracts';
import { postgresUnavailable, startPostgres, type RunningPostgres } from '@countersign/testing';
import { PostgresSqlAdapter } from './postgres-sql-adapter';

const TOKEN = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2ln';
const unavailable = postgresUnavailable();
if (unavailable) console.warn(`skipping the postgres.sql adapter suite: ${unavailable}`);
const describePostgres = unavailable ? describe.skip : describe;

function sqlAction(address: string, statements: string[], grant = 'app_write'): CanonicalAction {
  return {
    kind: POSTGRES_SQL_KIND,
    target: 'orders-db',
    environment: 'production',
    dataSensitivity: 'confidential',
    ownerTeam: 'data',
    targetAddress: address,
    parameters: { statements, grant },
    window: { notBefore: '2026-11-20T10:00:00.000Z', notAfter: '2026-11-20T11:00:00.000Z' },
    requestId: randomUUID(),
  };
}

const contextFor = (action: CanonicalAction) => ({ requestId: action.requestId, digest: actionDigest(action) });

describePostgres('PostgresSqlAdapter against a real PostgreSQL', () => {
  let pg: RunningPostgres;
  let adapter: PostgresSqlAdapter;

  beforeAll(async () => {
    pg = await startPostgres();
    adapter = new PostgresSqlAdapter({ 'orders-db': pg.address }, { timeoutMs: 2_000 });
  }, 120_000);
  afterAll(() => pg?.stop());

  /** A login like the broker's issuer makes (postgres-issuer.int.spec.ts tests that one itself). */
  async function login(grant: string): Promise<PostgresGrantSecret> {
    const secret = { user: postgresRoleName(randomUUID()), password: randomBytes(32).toString('base64url') };
    await superuser(async (client) => {
      const sql = await client.query<{ sql: string }>(
        "SELECT format('CREATE ROLE %I LOGIN PASSWORD %L IN ROLE %I', $1::text, $2::text, $3::text) AS sql",
        [secret.user, secret.password, grant],
      );
      await client.query(sql.rows[0]!.sql);
    });
    return secret;
  }

  async function superuser<T>(work: (client: Client) => Promise<T>): Promise<T> {
    const client = pg.superuser();
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  }

  const countOf = (item: string) =>
    superuser(async (client) =>
      Number((await client.query<{ n: string }>('SELECT count(*) AS n FROM orders WHERE item = $1', [item])).rows[0]!.n),
    );

  it('runs the approved statements in one transaction and reports the rows each affected', async () => {
    const action = sqlAction(pg.address, [
      "INSERT INTO orders (item, quantity) VALUES ('bolt', 1), ('bolt', 2)",
      "UPDATE orders SET quantity = quantity + 1 WHERE item = 'bolt'",
    ]);
    const result = await adapter.execute(action, { token: TOKEN, system: await login('app_write') }, contextFor(action));
    expect(result).toEqual({ ok: true, status: 0, summary: '2 statement(s) committed; rows affected: 2, 2' });
    expect(await countOf('bolt')).toBe(2);
  });

  it('rolls everything back when a statement is outside the grant, and reports the error', async () => {
    const action = sqlAction(pg.address, ["INSERT INTO orders (item, quantity) VALUES ('nut', 1)", 'DROP TABLE orders']);
    const result = await adapter.execute(action, { token: TOKEN, system: await login('app_write') }, contextFor(action));
    expect(result).toMatchObject({ ok: false, code: 'statement_failed' });
    expect((result as { message: string }).message).toMatch(/^statement 2: 42501 must be owner of table orders/);
    expect(await countOf('nut')).toBe(0);
  });

  it('gives a read grant no write', async () => {
    const action = sqlAction(pg.address, ["DELETE FROM orders WHERE item = 'bolt'"], 'app_read');
    const result = await adapter.execute(action, { token: TOKEN, system: await login('app_read') }, contextFor(action));
    expect(result).toMatchObject({ ok: false, code: 'statement_failed', message: expect.stringMatching(/permission denied/) });
    expect(await countOf('bolt')).toBe(2);
  });

  it('runs each approved statement as exactly one command (no smuggled second command)', async () => {
    const action = sqlAction(pg.address, ["INSERT INTO orders (item, quantity) VALUES ('washer', 1); DELETE FROM orders"]);
    const result = await adapter.execute(action, { token: TOKEN, system: await login('app_write') }, contextFor(action));
    expect(result).toMatchObject({ ok: false, code: 'statement_failed', message: expect.stringMatching(/multiple commands/) });
    expect(await countOf('washer')).toBe(0);
  });

  it('stops a statement at the statement timeout', async () => {
    const action = sqlAction(pg.address, ['SELECT pg_sleep(5)'], 'app_read');
    const result = await adapter.execute(action, { token: TOKEN, system: await login('app_read') }, contextFor(action));
    expect(result).toMatchObject({ ok: false, code: 'statement_failed', message: expect.stringMatching(/statement timeout/) });
  }, 20_000);

  it('fails, without running anything, with a wrong password or no login at all', async () => {
    const action = sqlAction(pg.address, ["INSERT INTO orders (item, quantity) VALUES ('rivet', 1)"]);
    const secret = await login('app_write');
    const wrong = await adapter.execute(action, { token: TOKEN, system: { ...secret, password: 'x'.repeat(43) } }, contextFor(action));
    expect(wrong).toMatchObject({ ok: false, code: 'connect_failed' });
    expect(await adapter.execute(action, { token: TOKEN }, contextFor(action))).toMatchObject({ ok: false, code: 'invalid_credential' });
    expect(await countOf('rivet')).toBe(0);
  });

  it('refuses an action that is not the approved one (digest) and transaction control in the statements', async () => {
    const action = sqlAction(pg.address, ["INSERT INTO orders (item, quantity) VALUES ('pin', 1)"]);
    const secret = await login('app_write');
    const tampered = { ...action, parameters: { statements: ['DELETE FROM orders'], grant: 'app_write' } };
    expect(await adapter.execute(tampered, { token: TOKEN, system: secret }, contextFor(action))).toMatchObject({
      ok: false,
      code: 'digest_mismatch',
    });
    const committing = sqlAction(pg.address, ["INSERT INTO orders (item, quantity) VALUES ('pin', 1)", 'COMMIT']);
    expect(await adapter.execute(committing, { token: TOKEN, system: secret }, contextFor(committing))).toMatchObject({
      ok: false,
      code: 'invalid_parameters',
    });
    expect(await countOf('pin')).toBe(0);
  });
});
