import Database from 'better-sqlite3';
import type { EventRow } from '@countersign/event-store';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
/** Not global: `test` on a global expression carries lastIndex from one call to the next. */
const NAMES_A_REQUEST = new RegExp(UUID.source);

/**
 * A stable stand-in for a UUID in clone `copy`: its first 8 hex digits XOR a per-copy key. Within a
 * copy that is a bijection (distinct ids stay distinct, and every occurrence of an id maps alike);
 * copies differ by their key (an odd multiplier makes it distinct and non-zero for every copy), and
 * the version and variant digits stay as they were. Cheaper than a hash per occurrence, which
 * this used to take.
 */
function cloneUuid(uuid: string, key: number): string {
  const head = ((Number.parseInt(uuid.slice(0, 8), 16) ^ key) >>> 0).toString(16).padStart(8, '0');
  return head + uuid.slice(8);
}

const copyKey = (copy: number) => Math.imul(copy, 0x9e3779b1) >>> 0;

const ISO_TIME = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z/g;

/**
 * How far apart copies are dated: the template's time span plus two minutes, so no copy's events
 * fall inside another's sliding windows (intake's per-requester budget keeps the last minute).
 * Copies are dated back, oldest first; cloned with the template's own times, a requester's budget
 * stream held every clone in its window at once and its first fold after the restart went
 * quadratic (intake busy for more than ten minutes at 10^6).
 */
function timeSlot(template: Row[]): number {
  const times = template.map((row) => Date.parse(row.recorded_at));
  return Math.max(...times) - Math.min(...times) + 120_000;
}

/** A stored row as the SQLite store keeps it, without the position the insert assigns. */
type Row = Omit<EventRow, 'position'>;

const STORE_CHUNK = 50_000;

/**
 * Grows one service store to `target` events by cloning the requests already in it (their UUIDs
 * rewritten, so each clone is a distinct finished request, and their times moved back, see
 * timeSlot), in transactions of about 50,000 rows.
 *
 * The result must be a history the services could have written: times rise with store position
 * and with each stream's revision. So the template (the requests the bench really made, the newest
 * of all) is taken out first and written again after its clones, and a stream named without a UUID
 * (audit's single log, a requester's budget ledger) is numbered clones first, template last. Left
 * at the front with the newest times, the template's admissions held the budget ledger's window
 * open (entries leave it in the order they were counted) and intake folded 166,672 admissions
 * into one window at 10^6: 291-316 MB of RSS on the first request.
 */
export function prefillStore(file: string, target: number): number {
  const db = new Database(file);
  // A bench fixture written while no service runs: no fsync per commit, and a page cache large
  // enough for the two unique indexes (stream, revision) and (stream, id), whose keys land anywhere.
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -262144');
  try {
    const template = db
      .prepare('SELECT id, stream, revision, type, data, metadata, recorded_at FROM events ORDER BY position')
      .all() as Row[];
    if (template.length === 0) return 0;
    const insert = db.prepare('INSERT INTO events (id, stream, revision, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    // A shared stream (no UUID in its name) is folded in revision order: its clones, dated earlier,
    // must come first there too.
    const next = new Map<string, number>();
    const shared = (stream: string) => !NAMES_A_REQUEST.test(stream);
    const revisionOf = (stream: string, revision: number) => {
      if (!shared(stream)) return revision;
      const assigned = next.get(stream) ?? 0;
      next.set(stream, assigned + 1);
      return assigned;
    };
    // From here until the template is written again it is only in memory: a pre-fill that dies
    // half-way leaves a store to throw away (the bench's stack is a temporary one anyway).
    db.transaction(() => {
      db.prepare('DELETE FROM events').run();
      // Their revisions change: a snapshot of one would no longer match its stream.
      db.prepare('DELETE FROM snapshots').run();
    })();
    let added = 0;
    let copy = 0;
    const copies = Math.ceil((target - template.length) / template.length);
    const slot = timeSlot(template);
    // One transaction per copy batch of about STORE_CHUNK rows, so the WAL is checkpointed along the way.
    const fill = db.transaction(() => {
      for (const stop = Math.min(target, template.length + added + STORE_CHUNK); template.length + added < stop;) {
        copy += 1;
        const key = copyKey(copy);
        const shift = (copies - copy + 1) * slot;
        const rewrite = (text: string) => text.replace(UUID, (uuid) => cloneUuid(uuid, key));
        const backdate = (text: string) => text.replace(ISO_TIME, (time) => new Date(Date.parse(time) - shift).toISOString());
        for (const row of template) {
          if (template.length + added >= target) break;
          const stream = rewrite(row.stream);
          insert.run(
            rewrite(row.id),
            stream,
            revisionOf(stream, row.revision),
            row.type,
            backdate(rewrite(row.data)),
            row.metadata,
            backdate(row.recorded_at),
          );
          added += 1;
        }
      }
    });
    while (template.length + added < target) fill();
    db.transaction(() => {
      for (const row of template)
        insert.run(row.id, row.stream, revisionOf(row.stream, row.revision), row.type, row.data, row.metadata, row.recorded_at);
    })();
    // The clones count as published, as the stream copies count as consumed: without this each
    // relay would publish its whole pre-filled history once the services start again, and audit
    // would record all of it (seen in a run: 300,000 audit rows for a 20,000-event history).
    db.prepare(
      `INSERT INTO checkpoints (name, position, updated_at) VALUES ('relay', (SELECT MAX(position) FROM events), ?)
       ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at`,
    ).run(new Date().toISOString());
    return added;
  } finally {
    db.close();
  }
}
