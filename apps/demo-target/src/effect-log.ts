import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

/** One thing the demo target did on behalf of an execution token. */
export interface Effect {
  effectId: string;
  requestId: string;
  digest: string;
  jti: string;
  method: string;
  path: string;
  at: string;
}

interface EffectRow {
  effect_id: string;
  request_id: string;
  digest: string;
  jti: string;
  method: string;
  path: string;
  at: string;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS used_tokens (
    jti TEXT PRIMARY KEY,
    effect_id TEXT NOT NULL,
    used_at TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS effects (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    effect_id TEXT NOT NULL UNIQUE,
    request_id TEXT NOT NULL,
    digest TEXT NOT NULL,
    jti TEXT NOT NULL UNIQUE REFERENCES used_tokens (jti),
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    at TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS effects_by_request ON effects (request_id);
`;

/**
 * Used token ids and effects in one SQLite file. Spending the jti and recording the effect happen
 * in one transaction, so there is never an effect without a spent token nor a spent token without
 * its effect, and a restart cannot make a used token usable again.
 */
export class EffectLog {
  private readonly db: Database.Database;
  private readonly spend: (effect: Effect) => void;

  constructor(path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    // FULL sync: an acknowledged effect (200 to the executor) must survive power loss.
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('foreign_keys = ON');
    this.db.exec(SCHEMA);
    const useToken = this.db.prepare('INSERT INTO used_tokens (jti, effect_id, used_at) VALUES (?, ?, ?)');
    const addEffect = this.db.prepare(
      'INSERT INTO effects (effect_id, request_id, digest, jti, method, path, at) VALUES (@effectId, @requestId, @digest, @jti, @method, @path, @at)',
    );
    this.spend = this.db.transaction((effect: Effect) => {
      useToken.run(effect.jti, effect.effectId, effect.at);
      addEffect.run(effect);
    });
  }

  /** Records the effect unless its token was already spent; the primary key decides, even across processes. */
  record(effect: Effect): 'recorded' | 'token_reused' {
    try {
      this.spend(effect);
      return 'recorded';
    } catch (error) {
      if ((error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return 'token_reused';
      throw error;
    }
  }

  list(filter: { requestId?: string } = {}): Effect[] {
    const rows = filter.requestId
      ? this.db.prepare('SELECT * FROM effects WHERE request_id = ? ORDER BY seq').all(filter.requestId)
      : this.db.prepare('SELECT * FROM effects ORDER BY seq').all();
    return (rows as EffectRow[]).map(toEffect);
  }

  close(): void {
    this.db.close();
  }
}

function toEffect(row: EffectRow): Effect {
  return {
    effectId: row.effect_id,
    requestId: row.request_id,
    digest: row.digest,
    jti: row.jti,
    method: row.method,
    path: row.path,
    at: row.at,
  };
}
