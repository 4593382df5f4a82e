import { z } from 'zod';
import { GrantName } from './target-registry';

/** The action kind that runs approved SQL on a registered PostgreSQL target with a per-request role. */
export const POSTGRES_SQL_KIND = 'postgres.sql';

/** At most this many statements per action: an action stays reviewable. */
export const MAX_SQL_STATEMENTS = 20;

/**
 * Statements that would end or split the one transaction the approved statements run in, so that
 * part of an action could commit without the rest. Refused before any credential is issued and
 * again by the executor. (Role switching is harmless: the login role is a member of its grant only.)
 */
const TRANSACTION_CONTROL =
  /^\s*(begin|start|commit|end|rollback|abort|savepoint|release|prepare\s+transaction|commit\s+prepared|rollback\s+prepared)\b/i;

const Statement = z
  .string()
  .min(1)
  .max(4096)
  .regex(/\S/, 'not only whitespace')
  .refine((sql) => !TRANSACTION_CONTROL.test(sql), 'transaction control is not allowed: the statements run in one transaction');

/**
 * `postgres.sql` parameters: the exact statements to run, in order, in one transaction, and the
 * registered grant (a role such as `app_read`) the per-request login role is made a member of.
 * Both are in the action digest, so approvers approve the exact SQL and the exact privilege.
 */
export const PostgresSqlParameters = z.strictObject({
  statements: z.array(Statement).min(1).max(MAX_SQL_STATEMENTS),
  grant: GrantName,
});
export type PostgresSqlParameters = z.infer<typeof PostgresSqlParameters>;

export type ParsedPostgresSql = { ok: true; value: PostgresSqlParameters } | { ok: false; message: string };

export function parsePostgresSqlParameters(candidate: unknown): ParsedPostgresSql {
  const parsed = PostgresSqlParameters.safeParse(candidate);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, message: parsed.error.issues.map((issue) => `${issue.path.join('.') || 'parameters'}: ${issue.message}`).join('; ') };
}

/** What the broker seals to the executor for a `postgres.sql` credential: the per-request login. */
export const PostgresGrantSecret = z.strictObject({
  user: z.string().regex(/^cs_[0-9a-f]{32}$/),
  password: z.string().min(32).max(128),
});
export type PostgresGrantSecret = z.infer<typeof PostgresGrantSecret>;

/** The role a credential gets: derived from the credential id alone, so it is known before it exists. */
export const postgresRoleName = (credentialId: string): string => `cs_${credentialId.replace(/-/g, '').toLowerCase()}`;
