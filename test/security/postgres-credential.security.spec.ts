import { Client } from 'pg';
import { PostgresSqlAdapter } from '@countersign/action-adapters';
import { EventTypes, PostgresGrantSecret, actionDigest, type CredentialIssuedV1, type RequestAcceptedV1 } from '@countersign/contracts';
import { postgresUnavailable, type RunningPostgres } from '@countersign/testing';
import {
  auditedEvent,
  insertAction,
  POSTGRES_TARGET,
  startPostgresScenario,
  type PostgresScenario,
  approvalRequested,
  outcomeOf,
  type Scenario,
} from '@countersign/e2e';
import { recordAttack } from './report';
import { stolenToken } from './support/target';

jest.setTimeout(240_000);

const SUITE = 'postgres-credential';
const unavailable = postgresUnavailable();
if (unavailable) console.warn(`skipping the postgres.sql security suite: ${unavailable}`);
const describePostgres = unavailable ? describe.skip : describe;

/** Statements a thief holding a live app_write login might try beyond the approved INSERT and beyond the grant. */
const BEYOND_GRANT = [
  'DROP TABLE orders',
  'ALTER TABLE orders ADD COLUMN stolen text',
  'CREATE ROLE thief LOGIN SUPERUSER',
  'SELECT rolpassword FROM pg_authid',
  'ALTER ROLE app_write CREATEROLE',
  'CREATE TABLE loot (x text)',
];

/**
 * A compromised executor host (its decryption key read from the home) steals the sealed PostgreSQL
 * login and uses it: after the execution completed, with statements other than the approved one,
 * and after the window ended. Each attempt must fail at the database itself.
 */
describePostgres('a stolen postgres.sql credential', () => {
  let scenario: PostgresScenario;
  let s: Scenario;
  let pg: RunningPostgres;

  beforeAll(async () => {
    scenario = await startPostgresScenario();
    ({ s, pg } = scenario);
  }, 180_000);

  afterAll(() => scenario?.close());

  const eventOf = <T>(requestId: string, type: string) => auditedEvent<T>(s, requestId, type, 60_000);

  async function approved(action: ReturnType<typeof insertAction>): Promise<string> {
    const { requestId } = await s.deployBot.submit(action, 'security: stolen login');
    const { digest } = await approvalRequested(s.audit, requestId);
    await s.approvers.alice.vote(requestId, digest, 'approve', 'ok');
    await s.approvers.bob.vote(requestId, digest, 'approve', 'ok');
    return requestId;
  }

  async function stolenLogin(requestId: string) {
    const issued = await eventOf<CredentialIssuedV1>(requestId, EventTypes.CredentialIssued);
    const { token, system } = JSON.parse(stolenToken(s.stack, issued)) as { token: string; system: unknown };
    return { token, login: PostgresGrantSecret.parse(system) };
  }

  /** Whether the statement ran as the thief: connect and run it; any error (login or privilege) is a rejection. */
  async function tryAs(login: PostgresGrantSecret, statement: string): Promise<{ ran: boolean; code: string }> {
    const client = new Client({ host: pg.host, port: pg.port, database: pg.database, ...login });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query(statement);
      return { ran: true, code: 'ran' };
    } catch (error) {
      return { ran: false, code: (error as { code?: string }).code ?? 'error' };
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  const countOf = async (item: string) => {
    const client = pg.superuser();
    await client.connect();
    try {
      return (await client.query('SELECT 1 FROM orders WHERE item = $1', [item])).rowCount ?? 0;
    } finally {
      await client.end();
    }
  };

  it('cannot be replayed after the execution completed: the role is gone', async () => {
    const requestId = await approved(insertAction('sec-replay'));
    await outcomeOf(s.deployBot, requestId, 'executed', 40_000);
    await eventOf(requestId, EventTypes.GrantRevoked);
    const { login } = await stolenLogin(requestId);
    const attempts = await Promise.all([1, 2, 3].map(() => tryAs(login, "INSERT INTO orders (item, quantity) VALUES ('sec-replay', 1)")));
    const executions = (await countOf('sec-replay')) - 1;
    recordAttack({
      suite: SUITE,
      attack: 'stolen PostgreSQL login replayed after the execution completed (credential)',
      layer: 'credential',
      tried: attempts.length,
      rejected: attempts.filter((attempt) => !attempt.ran).length,
      auditable: 0,
      audited: 0,
      executions,
      notes: [`codes: ${attempts.map((attempt) => attempt.code).join(',')} (28P01: the role was dropped by grant.revoked)`],
    });
    expect(attempts.every((attempt) => !attempt.ran)).toBe(true);
    expect(executions).toBe(0);
  });

  it('cannot run statements beyond its grant while live, nor make the executor run another statement', async () => {
    await s.stack.stop('executor');
    const requestId = await approved(insertAction('sec-other'));
    const { token, login } = await stolenLogin(requestId);
    // One at a time: the role's CONNECTION LIMIT would refuse parallel attempts for the wrong reason.
    const attempts: Array<{ ran: boolean; code: string }> = [];
    for (const statement of BEYOND_GRANT) attempts.push(await tryAs(login, statement));
    // The executor's own adapter refuses an action other than the approved one (its digest), even with the live login.
    const accepted = await eventOf<RequestAcceptedV1>(requestId, EventTypes.RequestAccepted);
    const adapter = new PostgresSqlAdapter({ [POSTGRES_TARGET]: pg.address }, { timeoutMs: 2_000 });
    const approvedAction = accepted.data.action;
    const other = { ...approvedAction, parameters: { statements: ['DELETE FROM orders'], grant: 'app_write' } };
    const swapped = await adapter.execute(other, { token, system: login }, { requestId, digest: actionDigest(approvedAction) });
    await s.stack.start('executor');
    await outcomeOf(s.deployBot, requestId, 'executed', 40_000);
    const tried = attempts.length + 1;
    const rejected = attempts.filter((attempt) => !attempt.ran).length + (swapped.ok ? 0 : 1);
    recordAttack({
      suite: SUITE,
      attack: 'statement other than the approved one with a live PostgreSQL login (target, credential)',
      layer: 'target',
      tried,
      rejected,
      auditable: 0,
      audited: 0,
      executions: tried - rejected,
      notes: [
        `beyond the grant: ${attempts.map((attempt) => attempt.code).join(',')}; swapped action via the adapter: ${swapped.ok ? 'ran' : swapped.code}`,
        'within its window a stolen login can do what its grant (app_write on orders) allows: the grant bounds a theft',
      ],
    });
    expect(rejected).toBe(tried);
    expect(attempts.map((attempt) => attempt.code).every((code) => code === '42501')).toBe(true);
  });

  it('cannot be used after the window ended', async () => {
    await s.stack.stop('executor');
    const now = Date.now();
    const window = { notBefore: new Date(now).toISOString(), notAfter: new Date(now + 20_000).toISOString() };
    const requestId = await approved(insertAction('sec-late', window));
    const { login } = await stolenLogin(requestId);
    await eventOf(requestId, EventTypes.GrantRevoked);
    const attempts = await Promise.all([1, 2, 3].map(() => tryAs(login, "INSERT INTO orders (item, quantity) VALUES ('sec-late', 1)")));
    await s.stack.start('executor');
    await eventOf(requestId, EventTypes.ExecutionRefused);
    const executions = await countOf('sec-late');
    recordAttack({
      suite: SUITE,
      attack: 'stolen PostgreSQL login used after the window ended (credential)',
      layer: 'credential',
      tried: attempts.length + 1,
      rejected: attempts.filter((attempt) => !attempt.ran).length + (executions === 0 ? 1 : 0),
      auditable: 1,
      audited: 1,
      executions,
      notes: [`codes: ${attempts.map((attempt) => attempt.code).join(',')}; the late executor's refusal is on the audit stream`],
    });
    expect(attempts.every((attempt) => !attempt.ran)).toBe(true);
    expect(executions).toBe(0);
  });
});
