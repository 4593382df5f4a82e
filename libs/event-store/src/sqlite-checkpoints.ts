import type Database from 'better-sqlite3';
import type { CheckpointStore } from './port';
import type { GroupCommit } from './sqlite-group-commit';
import { guardSqlite, settle } from './sqlite-schema';

/** Named positions in the service's own SQLite file (table `checkpoints`), durable with the next commit. */
export class SqliteCheckpointStore implements CheckpointStore {
  /** Prepared on first use and kept: the relay saves a checkpoint per run of published events. */
  private statements:
    { load: Database.Statement<[string], { position: number }>; save: Database.Statement<[string, number, string]> } | undefined;

  constructor(
    private readonly db: Database.Database,
    private readonly now: () => Date,
    private readonly group?: GroupCommit,
  ) {}

  load(name: string): Promise<number | undefined> {
    return settle(() => guardSqlite(this.db.name, () => this.sql().load.get(name))?.position);
  }

  save(name: string, position: number): Promise<void> {
    return settle(() => {
      if (!Number.isSafeInteger(position)) throw new RangeError(`checkpoint ${name}: position must be an integer`);
      const save = () => guardSqlite(this.db.name, () => this.sql().save.run(name, position, this.now().toISOString()));
      // A checkpoint lost in a crash only means republishing (see GroupCommit.writeWithoutSync),
      // so it does not cost an fsync of its own.
      if (this.group) this.group.writeWithoutSync(save);
      else save();
    });
  }

  private sql() {
    return (this.statements ??= {
      load: this.db.prepare<[string], { position: number }>('SELECT position FROM checkpoints WHERE name = ?'),
      save: this.db.prepare<[string, number, string]>(
        `INSERT INTO checkpoints (name, position, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at`,
      ),
    });
  }
}
