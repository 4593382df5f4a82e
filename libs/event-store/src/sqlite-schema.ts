import Database from 'better-sqlite3';
import { errorMessage } from '@countersign/contracts';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { assertMaxCount } from './append-rules';
import { headerOf, StoreUnavailableError, type StoredEvent } from './port';

/**
 * Table layout of a service's SQLite file; `position` is the store-wide order ($all). Ids are
 * unique per stream, not store-wide: the port scopes idempotency to a stream (see port.ts).
 */
const eventsTable = (name: string) => `
  CREATE TABLE IF NOT EXISTS ${name} (
    position    INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT    NOT NULL,
    stream      TEXT    NOT NULL,
    revision    INTEGER NOT NULL,
    type        TEXT    NOT NULL,
    data        TEXT    NOT NULL,
    metadata    TEXT    NOT NULL,
    recorded_at TEXT    NOT NULL,
    UNIQUE (stream, revision),
    UNIQUE (stream, id)
  );`;

export const SCHEMA = `${eventsTable('events')}
  CREATE TABLE IF NOT EXISTS checkpoints (
    name       TEXT    PRIMARY KEY,
    position   INTEGER NOT NULL,
    updated_at TEXT    NOT NULL
  );
  -- The replay guard's markers (SqliteSeenMarkers): one row per event id, pruned by arrival.
  CREATE TABLE IF NOT EXISTS seen_events (
    event_id        TEXT    PRIMARY KEY,
    consumer        TEXT    NOT NULL,
    stream          TEXT    NOT NULL,
    stream_sequence INTEGER NOT NULL,
    arrived_ms      INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS seen_events_by_arrival ON seen_events (consumer, arrived_ms);
  -- Folded states of long streams (SqliteSnapshots): one row per stream, replaced as it grows.
  CREATE TABLE IF NOT EXISTS snapshots (
    stream     TEXT    PRIMARY KEY,
    revision   INTEGER NOT NULL,
    event_id   TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    state      TEXT    NOT NULL,
    signature  TEXT    NOT NULL,
    updated_at TEXT    NOT NULL
  );`;

/** Files written before ids were scoped to their stream have a store-wide UNIQUE (id). */
function hasStoreWideIdIndex(db: Database.Database): boolean {
  const unique = db.prepare<[], { name: string }>(`SELECT name FROM pragma_index_list('events') WHERE "unique" = 1`).all();
  return unique.some(({ name }) => {
    const columns = db.prepare<[string], { name: string }>('SELECT name FROM pragma_index_info(?)').all(name);
    return columns.length === 1 && columns[0]?.name === 'id';
  });
}

/**
 * Rebuilds an older file's events table with ids unique per stream and lower-cased, keeping every
 * position (so checkpoints stay valid). Under the write lock, re-checked inside it, so two
 * processes opening the same old file migrate it once.
 */
function migrateToStreamScopedIds(db: Database.Database): void {
  const migrate = db.transaction(() => {
    if (!hasStoreWideIdIndex(db)) return;
    db.exec(`${eventsTable('events_stream_ids')}
      INSERT INTO events_stream_ids (position, id, stream, revision, type, data, metadata, recorded_at)
        SELECT position, lower(id), stream, revision, type, data, metadata, recorded_at FROM events ORDER BY position;
      DROP TABLE events;
      ALTER TABLE events_stream_ids RENAME TO events;`);
  });
  if (hasStoreWideIdIndex(db)) migrate.immediate();
}

/**
 * SQLite's page cache per connection, in KiB: SQLite's own default (2,000 KiB) instead of the 16,000
 * better-sqlite3 compiles in. The cache fills as the file grows past it and stays full, so at 16 MB
 * it was up to 16 MB of each service's RSS once its store passed 16 MB (about 1,600 requests); a
 * page it misses is read back from the operating system's file cache.
 */
export const PAGE_CACHE_KIB = 2_000;

/** Opens (creating if needed) a store file with the durability settings the store promises. */
export function openDatabase(file: string, busyTimeoutMs: number): Database.Database {
  mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file, { timeout: busyTimeoutMs });
  try {
    db.pragma('journal_mode = WAL');
    // WAL with synchronous = NORMAL only fsyncs at checkpoints, so a commit we have already
    // acknowledged can vanish on power loss. Callers act on an acknowledged append (the relay
    // publishes it, the executor's claim lets it run the action), so losing one would let the bus
    // and the store disagree or an action run twice. FULL fsyncs the WAL on every commit.
    db.pragma('synchronous = FULL');
    db.pragma(`cache_size = -${PAGE_CACHE_KIB}`);
    db.exec(SCHEMA);
    migrateToStreamScopedIds(db);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

export interface EventRow {
  position: number;
  id: string;
  stream: string;
  revision: number;
  type: string;
  data: string;
  metadata: string;
  recorded_at: string;
}

export type EventHeaderRow = Pick<EventRow, 'position' | 'id' | 'stream' | 'revision' | 'type'>;

export type Statements = ReturnType<typeof prepareStatements>;

/**
 * A LIMIT taken from a bound parameter. The SQLite better-sqlite3 12.11 bundles (3.53) reads a
 * bare `LIMIT ?` while planning and marks the statement stale whenever that parameter is bound
 * again, which better-sqlite3 does on every call: each read was parsed and planned anew (reading
 * a real store's newest row cost 26-41 µs of CPU against 10-17.5 once prepared; docs/operations.md).
 * Behind a CAST the planner does not read the value, and the statement is prepared once. It never
 * used the value for a better plan either: better-sqlite3 binds numbers as REAL, and only an
 * INTEGER counts. (With STAT4, which better-sqlite3 compiles in, an `ANALYZE` of the file would
 * make the planner read `stream = ?` too; nothing runs one.)
 */
export const LIMIT_PARAMETER = 'LIMIT CAST(? AS INTEGER)';

export function prepareStatements(db: Database.Database) {
  return {
    insert: db.prepare<[string, string, number, string, string, string, string]>(
      'INSERT INTO events (id, stream, revision, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    // One statement for any number of ids: the ids travel as a JSON array.
    byStreamIds: db.prepare<[string, string], EventRow>('SELECT * FROM events WHERE stream = ? AND id IN (SELECT value FROM json_each(?))'),
    lastRevision: db.prepare<[string], { revision: number | null }>('SELECT MAX(revision) AS revision FROM events WHERE stream = ?'),
    byStream: db.prepare<[string, number, number], EventRow>(
      `SELECT * FROM events WHERE stream = ? AND revision >= ? ORDER BY revision ${LIMIT_PARAMETER}`,
    ),
    // `$` streams are the store's own (the port refuses them); a row someone put there stays out.
    // The upper bound keeps readers to committed events while this connection has a group open.
    after: db.prepare<[number, number, number], EventRow>(
      `SELECT * FROM events WHERE position > ? AND position <= ? AND substr(stream, 1, 1) <> '$' ORDER BY position ${LIMIT_PARAMETER}`,
    ),
    // The same rows as `after`, without the columns a headers-only scan does not need (nor the
    // overflow pages of a large row's data, which the last column would be read through).
    headersAfter: db.prepare<[number, number, number], EventHeaderRow>(
      `SELECT position, id, stream, revision, type FROM events WHERE position > ? AND position <= ? AND substr(stream, 1, 1) <> '$' ORDER BY position ${LIMIT_PARAMETER}`,
    ),
    // `after` narrowed to some types, over a range of positions (readOfTypesAfter): the other
    // rows' data is neither parsed nor handed out.
    ofTypesAfter: db.prepare<[number, number, string], EventRow>(
      `SELECT * FROM events WHERE position > ? AND position <= ? AND type IN (SELECT value FROM json_each(?)) AND substr(stream, 1, 1) <> '$' ORDER BY position`,
    ),
    head: db.prepare<[], { position: number | null }>('SELECT MAX(position) AS position FROM events'),
  };
}

/** SQLite codes that mean "the file cannot serve us right now", as opposed to a bug in our SQL. */
const UNAVAILABLE_CODES = /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|READONLY|CORRUPT|NOTADB|PROTOCOL)/;

export function guardSqlite<T>(file: string, operation: () => T): T {
  try {
    return operation();
  } catch (error) {
    // Duck-typed: the native addon throws errors from Node's own realm, which `instanceof` misses
    // under test runners that sandbox globals (Jest).
    const { code, message } = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && UNAVAILABLE_CODES.test(code)) {
      throw new StoreUnavailableError(`SQLite store ${file}: ${String(message)}`, { cause: error });
    }
    if (typeof message === 'string' && /database connection is not open/.test(message)) {
      throw new StoreUnavailableError(`SQLite store ${file} is closed`, { cause: error });
    }
    throw error;
  }
}

/** Runs synchronous SQLite work behind the async port, so a throw becomes a rejection. */
export function settle<T>(work: () => T): Promise<T> {
  // The executor runs synchronously and a throw inside it rejects the promise.
  return new Promise((resolve) => resolve(work()));
}

/** SQLite's LIMIT for a count: -1 for none. Checked here too, as the CAST in LIMIT_PARAMETER would quietly cut a fraction. */
export function toLimit(maxCount: number): number {
  assertMaxCount(maxCount);
  return maxCount === Infinity ? -1 : maxCount;
}

/** The row as an event, or why it cannot be one (data or metadata that is not JSON). */
export function decodeRow(row: EventRow): StoredEvent | { unreadable: string } {
  try {
    return toStoredEvent(row);
  } catch (error) {
    return { unreadable: errorMessage(error) };
  }
}

export function toStoredEvent(row: EventRow): StoredEvent {
  return {
    ...headerOf(row),
    data: JSON.parse(row.data) as unknown,
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
    recordedAt: row.recorded_at,
  };
}
