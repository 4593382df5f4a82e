import { Client, type DatabaseError } from 'pg';
import {
  type CanonicalAction,
  errorMessage,
  parsePostgresSqlParameters,
  POSTGRES_SQL_KIND,
  PostgresGrantSecret,
  type PostgresSqlParameters,
} from '@countersign/contracts';
import type { ActionAdapter, AdapterResult, ExecutionContext, ExecutionCredential } from './action-adapter';
import { fail, refuseUnbound } from './target-http';

export interface PostgresSqlAdapterOptions {
  /** Bounds each statement (`statement_timeout`) and the connection attempt. */
  timeoutMs: number;
}

/** A registered PostgreSQL target: where it is, never a credential (that comes sealed per request). */
interface PostgresTarget {
  host: string;
  port: number;
  database: string;
}

/**
 * Runs `postgres.sql` actions: connects as the per-request login role the broker created (its
 * password arrives sealed with the credential), takes on the approved grant (`SET LOCAL ROLE`, so
 * anything created belongs to the grant, not to a role about to be dropped), runs exactly the
 * approved statements in order in one transaction with a statement timeout, and reports the rows
 * each affected, or the error (the transaction rolled back). Never retried.
 */
export class PostgresSqlAdapter implements ActionAdapter {
  readonly kind = POSTGRES_SQL_KIND;
  private readonly targets = new Map<string, PostgresTarget>();

  constructor(
    targets: Record<string, string>,
    private readonly options: PostgresSqlAdapterOptions,
  ) {
    for (const [name, address] of Object.entries(targets)) this.targets.set(name, parsePostgresAddress(name, address));
  }

  async execute(action: CanonicalAction, credential: ExecutionCredential, context: ExecutionContext): Promise<AdapterResult> {
    const refusal = refuseUnbound(this.kind, action, credential, context);
    if (refusal) return refusal;
    const target = this.targets.get(action.target);
    if (!target) return fail('unknown_target', `target ${action.target} is not registered`);
    const parameters = parsePostgresSqlParameters(action.parameters);
    if (!parameters.ok) return fail('invalid_parameters', parameters.message);
    const login = PostgresGrantSecret.safeParse(credential.system);
    if (!login.success) return fail('invalid_credential', 'the credential carries no PostgreSQL login');
    const client = new Client({
      ...target,
      user: login.data.user,
      password: login.data.password,
      connectionTimeoutMillis: this.options.timeoutMs,
      statement_timeout: this.options.timeoutMs,
      application_name: `countersign ${context.requestId}`,
    });
    client.on('error', () => undefined); // surfaces as the failing query
    try {
      await client.connect();
    } catch (error) {
      // Nothing ran: a definite failure, not in doubt.
      return fail('connect_failed', describe(error));
    }
    try {
      return await runInTransaction(client, parameters.value);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

/**
 * Before COMMIT is sent, any error means the transaction did not commit: a plain failure. An error
 * while committing may or may not have committed: in doubt (`network_error`), for a human.
 */
async function runInTransaction(client: Client, { statements, grant }: PostgresSqlParameters): Promise<AdapterResult> {
  const affected: number[] = [];
  try {
    await client.query('BEGIN');
    await client.query(`SET LOCAL ROLE ${client.escapeIdentifier(grant)}`);
    for (const [index, text] of statements.entries()) {
      // A named (prepared) statement: the server refuses more than one command in it, so each
      // approved statement is exactly one command.
      const result = await client.query({ name: `countersign_${index}`, text }).catch((error: unknown) => {
        throw new StatementFailed(index, error);
      });
      affected.push(result.rowCount ?? 0);
    }
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    if (error instanceof StatementFailed) return fail('statement_failed', `statement ${error.index + 1}: ${describe(error.cause)}`);
    return fail('transaction_failed', describe(error));
  }
  try {
    await client.query('COMMIT');
  } catch (error) {
    return fail('network_error', `COMMIT did not answer: ${describe(error)}`);
  }
  return { ok: true, status: 0, summary: `${statements.length} statement(s) committed; rows affected: ${affected.join(', ')}` };
}

class StatementFailed extends Error {
  constructor(
    readonly index: number,
    override readonly cause: unknown,
  ) {
    super(`statement ${index + 1} failed`);
  }
}

function describe(error: unknown): string {
  const code = (error as Partial<DatabaseError> | undefined)?.code;
  const message = errorMessage(error);
  return (code ? `${code} ${message}` : message).slice(0, 500);
}

function parsePostgresAddress(name: string, address: string): PostgresTarget {
  const url = new URL(address);
  const usable =
    (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && !url.username && !url.password && url.pathname.length > 1;
  if (!usable) throw new Error(`target ${name}: address must be postgres://host:port/database without credentials`);
  return { host: url.hostname, port: Number(url.port || 5432), database: decodeURIComponent(url.pathname.slice(1)) };
}
