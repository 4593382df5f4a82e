import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { TargetRegistryDocument } from '@countersign/contracts';
import { postgresUnavailable, startPostgres, writePostgresAdmins, type RunningPostgres } from '@countersign/testing';

export const POSTGRES_DEMO_TARGET = 'demo-postgres';
const DEFAULT_PORT = 4390;

export type PostgresDemo = { running: RunningPostgres; banner: string } | { running?: undefined; banner: string };

/**
 * `npm start`'s PostgreSQL demo target: a server of its own under `<home>/postgres` on
 * COUNTERSIGN_POSTGRES_PORT (4390), never the machine's shared 5432, with the broker's admin login
 * (CREATEROLE, not superuser) written to `<home>/secrets/postgres-admins.json`. Without the
 * binaries the rest still runs and the banner says how to get them.
 */
export async function startPostgresDemo(home: string, targets: TargetRegistryDocument): Promise<PostgresDemo> {
  const unavailable = postgresUnavailable({});
  if (unavailable) return { banner: `not started: ${unavailable}` };
  const port = Number(process.env.COUNTERSIGN_POSTGRES_PORT ?? DEFAULT_PORT);
  try {
    reachableByPostgres(home);
    const running = await startPostgres({ dir: join(home, 'postgres'), port });
    writePostgresAdmins(join(home, 'secrets', 'postgres-admins.json'), { [POSTGRES_DEMO_TARGET]: running.admin });
    const registered = targets.targets.find((target) => target.name === POSTGRES_DEMO_TARGET);
    if (registered) registered.address = running.address;
    return { running, banner: `${running.address} (data in ${join(home, 'postgres')}; see docs/targets.md)` };
  } catch (error) {
    return { banner: `not started: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}` };
  }
}

/**
 * The server runs as the `postgres` system user (initdb refuses root), so it must be able to pass
 * through the home (0700 by default) to its own folder: traverse only (o+x), never list or read;
 * the home's secrets stay 0600 files.
 */
function reachableByPostgres(home: string): void {
  mkdirSync(home, { recursive: true });
  const mode = statSync(home).mode & 0o777;
  if ((mode & 0o001) === 0) chmodSync(home, mode | 0o001);
}
