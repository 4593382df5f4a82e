import {
  EventTypes,
  POSTGRES_SQL_KIND,
  type CredentialIssuedV1,
  type CredentialRevokedV1,
  type GrantRevokedV1,
} from '@countersign/contracts';
import { postgresUnavailable, type RunningPostgres } from '@countersign/testing';
import { auditedEvent, insertAction, POSTGRES_TARGET, startPostgresScenario, type PostgresScenario } from './postgres-scenario';
import { approvalRequested, outcomeOf, type Scenario } from './scenario';

jest.setTimeout(180_000);

const unavailable = postgresUnavailable();
if (unavailable) console.warn(`skipping the postgres.sql e2e suite: ${unavailable}`);
const describePostgres = unavailable ? describe.skip : describe;

describePostgres('postgres.sql through the whole stack, on a real PostgreSQL', () => {
  let scenario: PostgresScenario;
  let s: Scenario;
  let pg: RunningPostgres;

  beforeAll(async () => {
    scenario = await startPostgresScenario();
    ({ s, pg } = scenario);
  }, 180_000);

  afterAll(() => scenario?.close());

  const eventOf = <T>(requestId: string, type: string) => auditedEvent<T>(s, requestId, type, 40_000);

  async function superuser<T>(query: string, values: unknown[]): Promise<T[]> {
    const client = pg.superuser();
    await client.connect();
    try {
      return (await client.query(query, values)).rows as T[];
    } finally {
      await client.end();
    }
  }
  const roleExists = async (role: string) => (await superuser('SELECT 1 FROM pg_roles WHERE rolname = $1', [role])).length === 1;
  const rowsFor = async (item: string) => (await superuser('SELECT 1 FROM orders WHERE item = $1', [item])).length;

  async function submitAndApprove(action: ReturnType<typeof insertAction>, reason: string): Promise<string> {
    const { requestId } = await s.deployBot.submit(action, reason);
    const { digest } = await approvalRequested(s.audit, requestId);
    await s.approvers.alice.vote(requestId, digest, 'approve', 'reviewed the SQL');
    await s.approvers.bob.vote(requestId, digest, 'approve', 'second pair of eyes');
    return requestId;
  }

  it('runs the approved SQL as a per-request role, then drops the role, with every step audited', async () => {
    const requestId = await submitAndApprove(insertAction('e2e-happy'), 'restock');
    expect(await outcomeOf(s.deployBot, requestId, 'executed', 40_000)).toEqual(['accepted', 'approved', 'executed']);
    expect(await rowsFor('e2e-happy')).toBe(1);
    const issued = await eventOf<CredentialIssuedV1>(requestId, EventTypes.CredentialIssued);
    const grant = issued.data.grant!;
    expect(grant).toEqual({ kind: POSTGRES_SQL_KIND, handle: expect.stringMatching(/^cs_[0-9a-f]{32}$/) });
    const revoked = await eventOf<CredentialRevokedV1>(requestId, EventTypes.CredentialRevoked);
    expect(revoked.data).toMatchObject({ reason: 'execution_completed', grant });
    const dropped = await eventOf<GrantRevokedV1>(requestId, EventTypes.GrantRevoked);
    expect(dropped.data).toMatchObject({ target: POSTGRES_TARGET, grant, reason: 'execution_completed' });
    expect(await roleExists(grant.handle)).toBe(false);
    const succeeded = await eventOf<{ result: { summary: string } }>(requestId, EventTypes.ExecutionSucceeded);
    expect(succeeded.data.result.summary).toBe('1 statement(s) committed; rows affected: 1');
    await eventOf(requestId, EventTypes.CustodyVerified);
  });

  it('revokes the role after a broker killed with SIGKILL between issue and revocation comes back', async () => {
    await s.stack.stop('executor');
    const requestId = await submitAndApprove(insertAction('e2e-broker-killed'), 'restock while the broker dies');
    const { grant } = (await eventOf<CredentialIssuedV1>(requestId, EventTypes.CredentialIssued)).data;
    expect(await roleExists(grant!.handle)).toBe(true);
    await s.stack.stop('broker', 'SIGKILL');
    await s.stack.start('executor');
    expect(await outcomeOf(s.deployBot, requestId, 'executed', 40_000)).toEqual(['accepted', 'approved', 'executed']);
    // Nobody revoked it while the broker was down; the broker's durable consumer and store finish it.
    expect(await roleExists(grant!.handle)).toBe(true);
    await s.stack.start('broker');
    await eventOf<GrantRevokedV1>(requestId, EventTypes.GrantRevoked);
    expect(await roleExists(grant!.handle)).toBe(false);
    expect(await rowsFor('e2e-broker-killed')).toBe(1);
  });

  it('drops the role of a credential whose execution never came at the window end, and never runs it late', async () => {
    await s.stack.stop('executor');
    const now = Date.now();
    const window = { notBefore: new Date(now).toISOString(), notAfter: new Date(now + 25_000).toISOString() };
    const requestId = await submitAndApprove(insertAction('e2e-never-ran', window), 'a short window nobody uses');
    const { grant } = (await eventOf<CredentialIssuedV1>(requestId, EventTypes.CredentialIssued)).data;
    expect(await roleExists(grant!.handle)).toBe(true);
    const revoked = await eventOf<CredentialRevokedV1>(requestId, EventTypes.CredentialRevoked);
    expect(revoked.data).toMatchObject({ reason: 'window_ended', grant });
    const dropped = await eventOf<GrantRevokedV1>(requestId, EventTypes.GrantRevoked);
    expect(dropped.data.reason).toBe('window_ended');
    expect(await roleExists(grant!.handle)).toBe(false);
    await s.stack.start('executor');
    await eventOf(requestId, EventTypes.ExecutionRefused);
    expect(await rowsFor('e2e-never-ran')).toBe(0);
  });
});
