import type Database from 'better-sqlite3';
import type { GroupCommit } from './sqlite-group-commit';
import { guardSqlite, settle } from './sqlite-schema';

/** Where a message was first seen on the bus (the consumer that got it, its stream and sequence, its arrival). */
export interface SeenMarker {
  eventId: string;
  consumer: string;
  stream: string;
  streamSequence: number;
  /** The bus's own arrival time of that copy (JetStream's timestamp), in ms since the epoch. */
  arrivedAtMs: number;
}

export type EarlierSighting = Pick<SeenMarker, 'stream' | 'streamSequence'>;

/**
 * The replay guard's memory in the service's SQLite file: one row per event id in table
 * `seen_events` (no JSON, no stream, no relay), written inside the group commit that also holds the
 * decision it guards, so both are on disk or neither is. Pruned by the caller's rule
 * (`prune(consumer, beforeMs)`, by bus arrival time; see StoreSeenEvents in libs/messaging).
 *
 * Files written before this table kept each marker as an event in stream `seen-<id>`: those are
 * still consulted (read-only) when the file has any, so an upgrade forgets nothing.
 */
export class SqliteSeenMarkers {
  private readonly insert: Database.Statement<[string, string, string, number, number]>;
  private readonly existing: Database.Statement<[string], { stream: string; stream_sequence: number }>;
  private readonly pruneOlder: Database.Statement<[string, number]>;
  private readonly legacy: Database.Statement<[string], { data: string }> | undefined;

  constructor(
    private readonly db: Database.Database,
    private readonly group: GroupCommit,
  ) {
    this.insert = db.prepare(
      `INSERT INTO seen_events (event_id, consumer, stream, stream_sequence, arrived_ms) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (event_id) DO NOTHING`,
    );
    this.existing = db.prepare('SELECT stream, stream_sequence FROM seen_events WHERE event_id = ?');
    this.pruneOlder = db.prepare('DELETE FROM seen_events WHERE consumer = ? AND arrived_ms < ?');
    const hasLegacy = db.prepare(`SELECT 1 FROM events WHERE stream >= 'seen-' AND stream < 'seen.' LIMIT 1`).get() !== undefined;
    this.legacy = hasLegacy ? db.prepare(`SELECT data FROM events WHERE stream = ? ORDER BY revision LIMIT 1`) : undefined;
  }

  /**
   * Remembers the marker unless its event id is known; returns where it was seen before, or
   * nothing for a first sighting. Durable once it resolves, unless inside `deferDurability`.
   */
  remember(marker: SeenMarker): Promise<EarlierSighting | undefined> {
    return settle(() => this.guard(() => this.group.write(() => this.rememberNow(marker)))).then(async (earlier) => {
      await this.group.durable();
      return earlier;
    });
  }

  /** Drops the markers of `consumer` whose copy arrived before `beforeMs`; returns how many. */
  prune(consumer: string, beforeMs: number): Promise<number> {
    return settle(() => this.guard(() => this.group.write(() => this.pruneOlder.run(consumer, beforeMs).changes)));
  }

  private rememberNow(marker: SeenMarker): EarlierSighting | undefined {
    const id = marker.eventId.toLowerCase();
    const earlier = this.legacyOf(marker.eventId);
    if (earlier) return earlier;
    const { changes } = this.insert.run(id, marker.consumer, marker.stream, marker.streamSequence, Math.floor(marker.arrivedAtMs));
    if (changes > 0) return undefined;
    const row = this.existing.get(id);
    if (!row) throw new Error(`seen_events: ${id} neither inserted nor found`);
    return { stream: row.stream, streamSequence: row.stream_sequence };
  }

  private legacyOf(eventId: string): EarlierSighting | undefined {
    const row = this.legacy?.get(`seen-${eventId}`);
    if (!row) return undefined;
    const data = JSON.parse(row.data) as { stream: string; streamSequence: number };
    return { stream: data.stream, streamSequence: data.streamSequence };
  }

  private guard<T>(operation: () => T): T {
    return guardSqlite(this.db.name, operation);
  }
}
