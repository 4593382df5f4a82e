import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { EventTypes } from '@countersign/contracts';

/** Intake's decisions on a submission, as recorded in its store. */
const DECISIONS: readonly string[] = [EventTypes.RequestAccepted, EventTypes.RequestRejected, EventTypes.RequesterNotified];

interface Row {
  position: number;
  type: string;
  data: string;
}

/**
 * Reads one service's own SQLite store, read-only, while the service runs (WAL lets readers in):
 * the dead letters it recorded, by bus position, and, for intake, what it decided and told the
 * requester, by submission id. Incremental: each refresh reads only rows added since the last one.
 */
export class ServiceStore {
  private readonly db: Database.Database;
  private position = 0;
  /** `STREAM#seq` -> the codes of the dead letters recorded for it. */
  readonly deadLetters = new Map<string, string[]>();
  /** submission id -> event types and notified outcomes (`notified:rejected`). */
  readonly decisions = new Map<string, string[]>();

  constructor(home: string, service: string) {
    this.db = new Database(join(home, 'data', `${service}.sqlite`), { readonly: true, fileMustExist: true });
  }

  refresh(): this {
    const rows = this.db
      .prepare('SELECT position, type, data FROM events WHERE position > ? AND type IN (?, ?, ?, ?) ORDER BY position')
      .all(this.position, EventTypes.MessageDeadLettered, ...DECISIONS) as Row[];
    for (const row of rows) {
      this.position = row.position;
      const data = (JSON.parse(row.data) as { data: Record<string, unknown> }).data;
      if (row.type === EventTypes.MessageDeadLettered) {
        add(this.deadLetters, `${String(data.stream)}#${String(data.streamSequence)}`, String(data.code));
      } else if (typeof data.submissionId === 'string') {
        add(this.decisions, data.submissionId, row.type === EventTypes.RequesterNotified ? `notified:${String(data.outcome)}` : row.type);
      }
    }
    return this;
  }

  close(): void {
    this.db.close();
  }
}

function add(map: Map<string, string[]>, key: string, value: string): void {
  map.set(key, [...(map.get(key) ?? []), value]);
}

/**
 * The services of the stack in `home` that are running now, read from /proc: a service process is
 * `node scripts/service.js <name>` with COUNTERSIGN_HOME set to this stack's home.
 */
export function runningServices(home: string): Set<string> {
  const running = new Set<string>();
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      const script = argv.findIndex((arg) => arg.endsWith(join('scripts', 'service.js')));
      if (script < 0) continue;
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      if (environ.includes(`COUNTERSIGN_HOME=${home}`)) running.add(argv[script + 1] ?? '');
    } catch {
      // The process ended while we looked, or is not ours to read.
    }
  }
  return running;
}

/** The `id` attribute of a body, if it parses as an object with one; never recursive beyond JSON.parse. */
export function claimedId(bytes: Buffer): string | undefined {
  try {
    const value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as { id?: unknown } | null;
    return typeof value?.id === 'string' ? value.id : undefined;
  } catch {
    return undefined;
  }
}
