import type Database from 'better-sqlite3';
import type { SnapshotStore, StreamSnapshot } from './port';
import type { GroupCommit } from './sqlite-group-commit';
import { guardSqlite, settle } from './sqlite-schema';

interface SnapshotRow {
  stream: string;
  revision: number;
  event_id: string;
  version: number;
  state: string;
}

/**
 * Snapshots in the service's SQLite file (table `snapshots`). Written like the relay's checkpoints
 * (GroupCommit.writeWithoutSync): inside an open group they commit with the events they cover, or
 * roll back with them; outside one, the events they cover are committed already.
 */
export class SqliteSnapshots implements SnapshotStore {
  private readonly select: Database.Statement<[string], SnapshotRow>;
  private readonly upsert: Database.Statement<[string, number, string, number, string, string]>;

  constructor(
    private readonly db: Database.Database,
    private readonly now: () => Date,
    private readonly group: GroupCommit,
  ) {
    this.select = db.prepare('SELECT stream, revision, event_id, version, state FROM snapshots WHERE stream = ?');
    this.upsert = db.prepare(
      `INSERT INTO snapshots (stream, revision, event_id, version, state, updated_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (stream) DO UPDATE SET revision = excluded.revision, event_id = excluded.event_id,
         version = excluded.version, state = excluded.state, updated_at = excluded.updated_at`,
    );
  }

  load(stream: string): Promise<StreamSnapshot | undefined> {
    return settle(() => {
      const row = guardSqlite(this.db.name, () => this.select.get(stream));
      return row && { stream: row.stream, revision: row.revision, eventId: row.event_id, version: row.version, state: row.state };
    });
  }

  save({ stream, revision, eventId, version, state }: StreamSnapshot): Promise<void> {
    return settle(() => {
      if (!Number.isSafeInteger(revision) || revision < 0) throw new RangeError(`snapshot of ${stream}: revision must be a whole number`);
      const at = this.now().toISOString();
      this.group.writeWithoutSync(() => guardSqlite(this.db.name, () => this.upsert.run(stream, revision, eventId, version, state, at)));
    });
  }
}
