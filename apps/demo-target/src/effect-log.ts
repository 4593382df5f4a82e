import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Payment } from './payment';

/** One thing the demo target did on behalf of an execution token. */
export interface Effect {
  effectId: string;
  requestId: string;
  digest: string;
  jti: string;
  method: string;
  path: string;
  at: string;
  /** For `POST /payments`: what was paid, to whom. */
  payment?: Payment;
}

/** A credential the broker revoked: a token carrying this jti is refused from now on. */
export interface Revocation {
  jti: string;
  requestId: string;
  reason: string;
  revokedAt: string;
  /** The CredentialRevoked event that said so, for tracing. */
  eventId: string;
}

export type RecordOutcome = 'recorded' | 'token_reused' | 'token_revoked';

interface EffectRow {
  effect_id: string;
  request_id: string;
  digest: string;
  jti: string;
  method: string;
  path: string;
  at: string;
  payment: string | null;
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
    at TEXT NOT NULL,
    payment TEXT
  );
  CREATE INDEX IF NOT EXISTS effects_by_request ON effects (request_id);
  CREATE TABLE IF NOT EXISTS revoked_tokens (
    jti TEXT PRIMARY KEY,
    request_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    revoked_at TEXT NOT NULL,
    event_id TEXT NOT NULL
  );
`;

/**
 * Used and revoked token ids and effects in one SQLite file. Checking the jti against both lists,
 * spending it and recording the effect happen in one transaction, so there is never an effect
 * without a spent token nor a spent token without its effect, a revocation cannot slip in between
 * the check and the spend, and a restart makes no token usable again.
 */
export class EffectLog {
  private readonly db: Database.Database;
  private readonly spend: (effect: Effect) => RecordOutcome;
  private readonly addRevocation: Database.Statement;
  private readonly findRevocation: Database.Statement;

  constructor(path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    // FULL sync: an acknowledged effect (200 to the executor) must survive power loss.
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('foreign_keys = ON');
    this.db.exec(SCHEMA);
    addPaymentColumn(this.db);
    const useToken = this.db.prepare('INSERT INTO used_tokens (jti, effect_id, used_at) VALUES (?, ?, ?)');
    const findUse = this.db.prepare('SELECT 1 FROM used_tokens WHERE jti = ?');
    this.findRevocation = this.db.prepare('SELECT 1 FROM revoked_tokens WHERE jti = ?');
    this.addRevocation = this.db.prepare(
      'INSERT OR IGNORE INTO revoked_tokens (jti, request_id, reason, revoked_at, event_id) VALUES (@jti, @requestId, @reason, @revokedAt, @eventId)',
    );
    const addEffect = this.db.prepare(
      'INSERT INTO effects (effect_id, request_id, digest, jti, method, path, at, payment) VALUES (@effectId, @requestId, @digest, @jti, @method, @path, @at, @payment)',
    );
    // Reuse is reported before revocation: a spent token that was revoked afterwards (the usual
    // end of a credential) is answered as reused, as it always was.
    this.spend = this.db.transaction((effect: Effect): RecordOutcome => {
      if (findUse.get(effect.jti)) return 'token_reused';
      if (this.findRevocation.get(effect.jti)) return 'token_revoked';
      useToken.run(effect.jti, effect.effectId, effect.at);
      addEffect.run({ ...effect, payment: effect.payment ? JSON.stringify(effect.payment) : null });
      return 'recorded';
    });
  }

  /** Records the effect unless its token was spent or revoked; the primary key decides, even across processes. */
  record(effect: Effect): RecordOutcome {
    try {
      return this.spend(effect);
    } catch (error) {
      if ((error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return 'token_reused';
      throw error;
    }
  }

  /** Idempotent: a redelivered revocation changes nothing. */
  revoke(revocation: Revocation): 'recorded' | 'known' {
    return this.addRevocation.run(revocation).changes === 1 ? 'recorded' : 'known';
  }

  isRevoked(jti: string): boolean {
    return this.findRevocation.get(jti) !== undefined;
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

/** A log written before payments existed gains the (nullable) column; its effects stay as they were. */
function addPaymentColumn(db: Database.Database): void {
  const columns = db.prepare('SELECT name FROM pragma_table_info(?)').all('effects') as Array<{ name: string }>;
  if (!columns.some((column) => column.name === 'payment')) db.exec('ALTER TABLE effects ADD COLUMN payment TEXT');
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
    ...(row.payment !== null ? { payment: JSON.parse(row.payment) as Payment } : {}),
  };
}
