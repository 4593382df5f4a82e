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
  signature: string;
}

/**
 * Snapshots in the service's SQLite file (table `snapshots`). Written like the relay's checkpoints
 * (GroupCommit.writeWithoutSync): inside an open group they commit with the events they cover, or
 * roll back with them; outside one, the events they cover are committed already.
 */
export class SqliteSnapshots implements SnapshotStore {
  /** Prepared on first use: every service's runner asks for the store, few keep snapshots. */
  private statements:
    | {
        select: Database.Statement<[string], SnapshotRow>;
        upsert: Database.Statement<[string, number, string, number, string, string, string]>;
      }
    | undefined;

  constructor(
    private readonly db: Database.Database,
    private readonly now: () => Date,
    private readonly group: GroupCommit,
  ) {}

  load(stream: string): Promise<StreamSnapshot | undefined> {
    return settle(() => {
      const row = guardSqlite(this.db.name, () => this.sql().select.get(stream));
      return (
        row && {
          stream: row.stream,
          revision: row.revision,
          eventId: row.event_id,
          version: row.version,
          state: row.state,
          signature: row.signature,
        }
      );
    });
  }

  save({ stream, revision, eventId, version, state, signature }: StreamSnapshot): Promise<void> {
    return settle(() => {
      if (!Number.isSafeInteger(revision) || revision < 0) throw new RangeError(`snapshot of ${stream}: revision must be a whole number`);
      const at = this.now().toISOString();
      this.group.writeWithoutSync(() =>
        guardSqlite(this.db.name, () => this.sql().upsert.run(stream, revision, eventId, version, state, signature, at)),
      );
    });
  }

  private sql() {
    return (this.statements ??= guardSqlite(this.db.name, () => ({
      select: this.db.prepare<[string], SnapshotRow>(
        'SELECT stream, revision, event_id, version, state, signature FROM snapshots WHERE stream = ?',
      ),
      upsert: this.db.prepare<[string, number, string, number, string, string, string]>(
        `INSERT INTO snapshots (stream, revision, event_id, version, state, signature, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (stream) DO UPDATE SET revision = excluded.revision, event_id = excluded.event_id, version = excluded.version,
           state = excluded.state, signature = excluded.signature, updated_at = excluded.updated_at`,
      ),
    })));
  }
}
