import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { renderAction, type CanonicalAction, type FieldError, type Outcome, type RequesterNotifiedV1 } from '@countersign/contracts';
import type { Notice } from '@countersign/mcp-gateway-domain';

/** A call the gateway turned into a submission. */
export interface CallRow {
  requestId: string;
  submissionId: string;
  tool: string;
  submittedAt: string;
}

interface NoticeRow {
  outcome: string;
  joined_request_id: string | null;
  action: string | null;
  detail: string | null;
  errors: string | null;
  notified_at: string;
}

/**
 * The gateway's own small SQLite file: the calls it made and every notice intake sent about them.
 * It is what lets an agent that went away ask for an outcome later, and what every waiting call
 * polls (another gateway process of the same requester may be the one that read the notice).
 */
export class OutcomeStore {
  private constructor(private readonly db: Database.Database) {}

  static open(file: string): OutcomeStore {
    mkdirSync(dirname(file), { recursive: true });
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    // Two gateway processes of one requester (stdio and HTTP) may share the file.
    db.pragma('busy_timeout = 5000');
    db.exec(`
      CREATE TABLE IF NOT EXISTS calls (
        request_id TEXT PRIMARY KEY, submission_id TEXT NOT NULL UNIQUE, tool TEXT NOT NULL, submitted_at TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS notices (
        event_id TEXT PRIMARY KEY, request_id TEXT, submission_id TEXT, outcome TEXT NOT NULL,
        detail TEXT, errors TEXT, notified_at TEXT NOT NULL, joined_request_id TEXT, action TEXT);
      CREATE INDEX IF NOT EXISTS notices_request ON notices (request_id);
      CREATE INDEX IF NOT EXISTS notices_submission ON notices (submission_id);`);
    return new OutcomeStore(db);
  }

  recordCall(call: CallRow): void {
    this.db
      .prepare('INSERT OR IGNORE INTO calls (request_id, submission_id, tool, submitted_at) VALUES (?, ?, ?, ?)')
      .run(call.requestId, call.submissionId, call.tool, call.submittedAt);
  }

  /** Idempotent by event id: a redelivered notice is stored once. */
  recordNotice(eventId: string, data: RequesterNotifiedV1): void {
    this.db
      .prepare(
        'INSERT OR IGNORE INTO notices (event_id, request_id, submission_id, outcome, detail, errors, notified_at, joined_request_id, action) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        eventId,
        data.requestId ?? null,
        data.submissionId ?? null,
        data.outcome,
        data.detail ?? null,
        data.errors ? JSON.stringify(data.errors) : null,
        data.notifiedAt,
        data.joinedRequestId ?? null,
        data.action ? JSON.stringify(data.action) : null,
      );
  }

  call(requestId: string): CallRow | undefined {
    const row = this.db.prepare('SELECT request_id, submission_id, tool, submitted_at FROM calls WHERE request_id = ?').get(requestId) as
      { request_id: string; submission_id: string; tool: string; submitted_at: string } | undefined;
    return row && { requestId: row.request_id, submissionId: row.submission_id, tool: row.tool, submittedAt: row.submitted_at };
  }

  recentCalls(limit: number): CallRow[] {
    const rows = this.db
      .prepare('SELECT request_id, submission_id, tool, submitted_at FROM calls ORDER BY submitted_at DESC, rowid DESC LIMIT ?')
      .all(limit) as Array<{ request_id: string; submission_id: string; tool: string; submitted_at: string }>;
    return rows.map((row) => ({
      requestId: row.request_id,
      submissionId: row.submission_id,
      tool: row.tool,
      submittedAt: row.submitted_at,
    }));
  }

  /**
   * Notices about a request, in the order intake sent them; a rejection may name only the
   * submission. A request that joined an identical pending one follows that request's notices.
   */
  noticesFor(requestId: string, submissionId?: string): Notice[] {
    const rows = this.db
      .prepare(
        'SELECT outcome, detail, errors, notified_at, joined_request_id, action FROM notices WHERE request_id = ? OR submission_id = ? ORDER BY notified_at, rowid',
      )
      .all(requestId, submissionId ?? null) as NoticeRow[];
    const notices: Notice[] = rows.map((row) => ({
      outcome: row.outcome as Outcome,
      ...(row.detail ? { detail: row.detail } : {}),
      ...(row.errors ? { errors: JSON.parse(row.errors) as FieldError[] } : {}),
      ...(row.joined_request_id ? { joinedRequestId: row.joined_request_id } : {}),
      // What approvers are shown: the same function over the same accepted action.
      ...(row.action ? { rendering: renderAction(JSON.parse(row.action) as CanonicalAction) } : {}),
      notifiedAt: row.notified_at,
    }));
    const joined = notices.find((notice) => notice.outcome === 'joined')?.joinedRequestId;
    return joined && joined !== requestId
      ? [...notices, ...this.noticesFor(joined).filter((notice) => notice.outcome !== 'accepted')]
      : notices;
  }

  /** The file answers a read: readiness of the HTTP gateway. */
  ping(): void {
    this.db.prepare('SELECT count(*) FROM calls').get();
  }

  close(): void {
    this.db.close();
  }
}
