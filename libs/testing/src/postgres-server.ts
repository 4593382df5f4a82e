import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from './free-port';
import { hasExited, untilReady } from './ready';

/** The database, admin role and grants every harness server (and `npm start`'s demo) has. */
export const POSTGRES_DEMO = {
  database: 'countersign_demo',
  admin: 'countersign_admin',
  grants: ['app_read', 'app_write'],
  table: 'orders',
} as const;

export const POSTGRES_INSTALL_HINT =
  'PostgreSQL server binaries are not installed. Install them with: sudo apt-get install -y postgresql ' +
  '(Debian/Ubuntu), or set COUNTERSIGN_TEST_POSTGRES_URL to a superuser URL of a throwaway server.';

export interface RunningPostgres {
  host: string;
  port: number;
  database: string;
  /** `postgres://host:port/database`: what a target registry names (no credential). */
  address: string;
  /** The CREATEROLE (not superuser) login the broker holds. */
  admin: { user: string; password: string };
  /** A superuser connection for the test's own checks (pg_roles, pg_stat_activity). */
  superuser(): Client;
  stop(options?: { keep?: boolean }): Promise<void>;
}

interface Binaries {
  initdb: string;
  postgres: string;
}

/** Debian's versioned binaries (`/usr/lib/postgresql/<n>/bin`, newest first), else whatever PATH has. */
export function postgresBinaries(): Binaries | undefined {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const version of versions) {
    const bin = join(root, version, 'bin');
    if (existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'postgres')))
      return { initdb: join(bin, 'initdb'), postgres: join(bin, 'postgres') };
  }
  const onPath = (name: string) => spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).stdout.trim();
  const initdb = onPath('initdb');
  const postgres = onPath('postgres');
  return initdb && postgres ? { initdb, postgres } : undefined;
}

/** Why no PostgreSQL can be had here, or undefined when one can (binaries, or a given server URL). */
export function postgresUnavailable(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.COUNTERSIGN_TEST_POSTGRES_URL) return undefined;
  if (!postgresBinaries()) return POSTGRES_INSTALL_HINT;
  if (process.getuid?.() === 0 && spawnSync('id', ['-u', 'postgres'], { stdio: 'ignore' }).status !== 0)
    return 'running as root without a postgres system user to run initdb as';
  return undefined;
}

/**
 * A real PostgreSQL for one test file: `initdb` into a fresh folder and a server on a free
 * loopback port (as the `postgres` system user when we are root: initdb refuses root), or the
 * throwaway server `COUNTERSIGN_TEST_POSTGRES_URL` names (a superuser URL). Either way it gets the
 * demo database, an admin role with CREATEROLE and the grant roles with a demo table.
 */
export async function startPostgres(options: { dir?: string; port?: number } = {}): Promise<RunningPostgres> {
  const given = process.env.COUNTERSIGN_TEST_POSTGRES_URL;
  if (given) return prepared(new URL(given), () => Promise.resolve());
  const binaries = postgresBinaries();
  if (!binaries) throw new Error(POSTGRES_INSTALL_HINT);
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'countersign-pg-'));
  const port = options.port ?? (await freePort());
  const data = join(dir, 'data');
  const sockets = join(dir, 'sockets');
  mkdirSync(sockets, { recursive: true });
  const asPostgres = process.getuid?.() === 0;
  if (asPostgres) ownedByPostgres(dir, sockets);
  if (!existsSync(join(data, 'PG_VERSION'))) initdb(binaries.initdb, data, asPostgres);
  const child = await launchPostgres(binaries.postgres, data, sockets, port, asPostgres);
  const stop = async ({ keep = false } = {}) => {
    await stopPostgres(child, data);
    if (!keep && !options.dir) rmSync(dir, { recursive: true, force: true });
  };
  try {
    // The superuser connects over the folder's Unix socket only (trust, local): TCP needs a password.
    return await prepared(new URL(`postgres://postgres@127.0.0.1:${port}/postgres?host=${encodeURIComponent(sockets)}`), stop);
  } catch (error) {
    await stop();
    throw error;
  }
}

function ownedByPostgres(...dirs: string[]): void {
  const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
  const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
  for (const dir of dirs) {
    chownSync(dir, uid, gid);
    chmodSync(dir, 0o700);
  }
  // The test (root) reaches the socket through the parent; postgres owns both.
  chmodSync(dirs[0]!, 0o755);
}

function initdb(binary: string, data: string, asPostgres: boolean): void {
  const args = [binary, '-D', data, '-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--no-instructions'];
  const run = asPostgres
    ? spawnSync('runuser', ['-u', 'postgres', '--', ...args], { encoding: 'utf8' })
    : spawnSync(args[0]!, args.slice(1), { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`initdb failed: ${run.stderr || run.stdout}`);
}

function launchPostgres(binary: string, data: string, sockets: string, port: number, asPostgres: boolean): Promise<ChildProcess> {
  const args = [binary, '-D', data, '-p', String(port), '-k', sockets, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off'];
  const child = asPostgres
    ? spawn('runuser', ['-u', 'postgres', '--', ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
    : spawn(args[0]!, args.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  return untilReady(child, { marker: 'database system is ready to accept connections', what: 'postgres', timeoutMs: 30_000 });
}

/** Fast shutdown of the postmaster itself (its pid file), then of the runuser wrapper. */
async function stopPostgres(child: ChildProcess, data: string): Promise<void> {
  if (hasExited(child)) return;
  const pidFile = join(data, 'postmaster.pid');
  const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').split('\n')[0]) : undefined;
  await new Promise<void>((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    if (pid) process.kill(pid, 'SIGINT');
    else child.kill('SIGINT');
  });
}

/** The demo database, the admin (CREATEROLE, never superuser) and the grants with their privileges. */
async function prepared(superuserUrl: URL, stop: (options?: { keep?: boolean }) => Promise<void>): Promise<RunningPostgres> {
  const socketHost = superuserUrl.searchParams.get('host');
  const host = socketHost ? '127.0.0.1' : superuserUrl.hostname;
  const port = Number(superuserUrl.port || 5432);
  const superuser = (database: string) =>
    new Client({
      host: socketHost ?? superuserUrl.hostname,
      port,
      database,
      user: decodeURIComponent(superuserUrl.username) || 'postgres',
      password: decodeURIComponent(superuserUrl.password) || undefined,
    });
  const password = randomBytes(24).toString('base64url');
  const { admin, database, grants, table } = POSTGRES_DEMO;
  await withClient(superuser(superuserUrl.pathname.slice(1) || 'postgres'), async (client) => {
    if ((await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database])).rowCount === 0)
      await client.query(`CREATE DATABASE ${database}`);
    const exists = (await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [admin])).rowCount === 1;
    const sql = await client.query<{ sql: string }>(
      exists
        ? "SELECT format('ALTER ROLE %I LOGIN PASSWORD %L', $1::text, $2::text) AS sql"
        : "SELECT format('CREATE ROLE %I LOGIN CREATEROLE NOSUPERUSER PASSWORD %L', $1::text, $2::text) AS sql",
      [admin, password],
    );
    await client.query(sql.rows[0]!.sql);
    for (const grant of grants) {
      if ((await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [grant])).rowCount === 0)
        await client.query(`CREATE ROLE ${grant} NOLOGIN`);
      await client.query(`GRANT ${grant} TO ${admin} WITH ADMIN OPTION`);
    }
  });
  await withClient(superuser(database), async (client) => {
    await client.query(`CREATE TABLE IF NOT EXISTS ${table} (id serial PRIMARY KEY, item text NOT NULL, quantity integer NOT NULL)`);
    await client.query(`GRANT SELECT ON ${table} TO app_read`);
    await client.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${table} TO app_write`);
    await client.query(`GRANT USAGE ON SEQUENCE ${table}_id_seq TO app_write`);
  });
  return {
    host,
    port,
    database,
    address: `postgres://${host}:${port}/${database}`,
    admin: { user: admin, password },
    superuser: () => superuser(database),
    stop,
  };
}

async function withClient(client: Client, work: (client: Client) => Promise<void>): Promise<void> {
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.end();
  }
}

/** Writes the broker's admin-logins file (target name -> admin login), readable by its owner only. */
export function writePostgresAdmins(file: string, logins: Record<string, { user: string; password: string }>): void {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, JSON.stringify(logins, null, 2), { mode: 0o600 });
}
