import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { z } from 'zod';
import { POSTGRES_SQL_KIND, parsePostgresSqlParameters, postgresRoleName, type RegisteredTarget } from '@countersign/contracts';
import type { CredentialIssuer, GrantPlan, GrantRequest, GrantToRevoke, IssuedGrant } from './credential-issuer';

/** A per-request role may hold this many sessions: the executor needs one, a second is slack. */
export const ROLE_CONNECTION_LIMIT = 2;
const CONNECT_TIMEOUT_MS = 5_000;
const ADMIN_STATEMENT_TIMEOUT_MS = 10_000;

/** The standing admin login per target: a role with CREATEROLE (never a superuser), held by the broker alone. */
const AdminLogins = z.record(z.string(), z.strictObject({ user: z.string().min(1).max(63), password: z.string().min(1).max(1024) }));
type AdminLogin = { user: string; password: string };

/** Where the admin logins are read from: `COUNTERSIGN_POSTGRES_ADMINS_FILE`, else `<home>/secrets/postgres-admins.json`. */
export const postgresAdminsFile = (home: string, env: NodeJS.ProcessEnv): string =>
  env.COUNTERSIGN_POSTGRES_ADMINS_FILE ?? join(home, 'secrets', 'postgres-admins.json');

/**
 * Issues `postgres.sql` credentials: a LOGIN role per credential with a random password, valid
 * until the window ends, a small connection limit, and membership in the one registered grant the
 * action asks for; revokes by refusing new logins, terminating its sessions, reassigning and
 * dropping what it owns, and dropping it. Every identifier and literal goes through `format('%I')`
 * / `format('%L')` on the server, never string concatenation.
 */
export class PostgresIssuer implements CredentialIssuer {
  readonly kinds = [POSTGRES_SQL_KIND];

  constructor(private readonly adminsFile: string) {}

  prepare(request: GrantRequest): GrantPlan {
    const { action, target } = request;
    const parameters = parsePostgresSqlParameters(action.parameters);
    if (!parameters.ok) return { ok: false, message: `invalid postgres.sql parameters: ${parameters.message}` };
    const { grant } = parameters.value;
    if (!(target.grants ?? []).includes(grant)) return { ok: false, message: `${target.name} does not allow the grant ${grant}` };
    const problem = connectionProblem(target) ?? (this.admin(target.name) ? undefined : `no admin login for ${target.name}`);
    if (problem) return { ok: false, message: problem };
    return { ok: true, handle: postgresRoleName(request.credentialId) };
  }

  /** Creates the role, or for a re-issue (a redelivered approval) gives the existing one a fresh password and window. */
  async issue(request: GrantRequest, handle: string): Promise<IssuedGrant> {
    const parameters = parsePostgresSqlParameters(request.action.parameters);
    if (!parameters.ok) throw new Error(parameters.message);
    const password = randomBytes(32).toString('base64url');
    await this.asAdmin(request.target, async (client) => {
      const exists = await roleExists(client, handle);
      const sql = exists
        ? "SELECT format('ALTER ROLE %I WITH LOGIN PASSWORD %L VALID UNTIL %L CONNECTION LIMIT %s', $1::text, $2::text, $3::text, $4::int) AS sql"
        : "SELECT format('CREATE ROLE %I WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT PASSWORD %L VALID UNTIL %L CONNECTION LIMIT %s IN ROLE %I', $1::text, $2::text, $3::text, $4::int, $5::text) AS sql";
      const values = [handle, password, request.expiresAt, ROLE_CONNECTION_LIMIT, ...(exists ? [] : [parameters.value.grant])];
      await client.query(await formatted(client, sql, values));
    });
    return { handle, secret: { user: handle, password } };
  }

  async revoke({ handle, target }: GrantToRevoke): Promise<void> {
    await this.asAdmin(target, async (client) => {
      if (!(await roleExists(client, handle))) return;
      // No new logins, then end the ones there are; membership gives the admin the right to do so
      // (and to reassign and drop what the role owns) without being a superuser.
      await client.query(await formatted(client, "SELECT format('ALTER ROLE %I NOLOGIN', $1::text) AS sql", [handle]));
      await client.query(await formatted(client, "SELECT format('GRANT %I TO CURRENT_USER', $1::text) AS sql", [handle]));
      await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1', [handle]);
      await client.query(await formatted(client, "SELECT format('REASSIGN OWNED BY %I TO CURRENT_USER', $1::text) AS sql", [handle]));
      await client.query(await formatted(client, "SELECT format('DROP OWNED BY %I', $1::text) AS sql", [handle]));
      await client.query(await formatted(client, "SELECT format('DROP ROLE %I', $1::text) AS sql", [handle]));
    });
  }

  private admin(target: string): AdminLogin | undefined {
    if (!existsSync(this.adminsFile)) return undefined;
    const logins = AdminLogins.safeParse(JSON.parse(readFileSync(this.adminsFile, 'utf8')));
    return logins.success ? logins.data[target] : undefined;
  }

  private async asAdmin(target: RegisteredTarget, work: (client: Client) => Promise<void>): Promise<void> {
    const admin = this.admin(target.name);
    const problem = connectionProblem(target) ?? (admin ? undefined : `no admin login for ${target.name}`);
    if (problem || !admin) throw new Error(problem);
    const url = new URL(target.address);
    const client = new Client({
      host: url.hostname,
      port: Number(url.port || 5432),
      database: decodeURIComponent(url.pathname.slice(1)),
      user: admin.user,
      password: admin.password,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      statement_timeout: ADMIN_STATEMENT_TIMEOUT_MS,
    });
    client.on('error', () => undefined); // a dropped connection surfaces as the failed query below
    await client.connect();
    try {
      await work(client);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

/** The registry names where the target is (`postgres://host:port/database`) and never a credential. */
function connectionProblem(target: RegisteredTarget): string | undefined {
  let url: URL;
  try {
    url = new URL(target.address);
  } catch {
    return `${target.name}'s address is not a URL`;
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') return `${target.name} is not a postgres:// target`;
  if (url.username || url.password) return `${target.name}'s registered address must not carry a credential`;
  if (url.pathname.length < 2) return `${target.name}'s address names no database`;
  return undefined;
}

async function roleExists(client: Client, role: string): Promise<boolean> {
  const result = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
  return result.rowCount === 1;
}

/** The server quotes (`format('%I')`, `%L`): the statement text is never assembled here. */
async function formatted(client: Client, sql: string, values: unknown[]): Promise<string> {
  const result = await client.query<{ sql: string }>(sql, values);
  const statement = result.rows[0]?.sql;
  if (!statement) throw new Error('format() returned nothing');
  return statement;
}
