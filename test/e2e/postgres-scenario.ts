import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { POSTGRES_SQL_KIND, type Envelope } from '@countersign/contracts';
import { startPostgres, writePostgresAdmins, type RunningPostgres } from '@countersign/testing';
import { eventually } from './clients';
import { e2eTargets, startScenario, type Scenario } from './scenario';

/** The registry's PostgreSQL target, pointed at the real server the test starts. */
export const POSTGRES_TARGET = 'demo-postgres';

/** One request per test, each inserting its own item, so effects are counted per request. */
export const insertAction = (item: string, window?: { notBefore: string; notAfter: string }) => ({
  kind: POSTGRES_SQL_KIND,
  target: POSTGRES_TARGET,
  environment: 'production',
  parameters: { statements: [`INSERT INTO orders (item, quantity) VALUES ('${item}', 1)`], grant: 'app_write' },
  ...(window ? { window } : {}),
});

export interface PostgresScenario {
  s: Scenario;
  pg: RunningPostgres;
  close(): Promise<void>;
}

/**
 * A real PostgreSQL (the harness's own, never the machine's) registered as demo-postgres, its admin
 * login in a file only the broker reads, and the whole stack around it.
 */
export async function startPostgresScenario(): Promise<PostgresScenario> {
  const pg = await startPostgres();
  const secrets = mkdtempSync(join(tmpdir(), 'countersign-pg-admins-'));
  const adminsFile = join(secrets, 'postgres-admins.json');
  writePostgresAdmins(adminsFile, { [POSTGRES_TARGET]: pg.admin });
  const targets = e2eTargets();
  targets.targets.find((target) => target.name === POSTGRES_TARGET)!.address = pg.address;
  const s = await startScenario({ targets, env: { COUNTERSIGN_POSTGRES_ADMINS_FILE: adminsFile } });
  return {
    s,
    pg,
    async close() {
      await s.close();
      await pg.stop();
      rmSync(secrets, { recursive: true, force: true });
    },
  };
}

/** The first event of `type` audit recorded for the request, once it is there. */
export function auditedEvent<T>(s: Scenario, requestId: string, type: string, timeoutMs = 40_000): Promise<Envelope<T>> {
  return eventually(() => {
    const found = s.audit.eventsFor(requestId).find((event) => event.type === type) as Envelope<T> | undefined;
    if (!found) throw new Error(`no ${type} for ${requestId} yet`);
    return found;
  }, timeoutMs);
}
