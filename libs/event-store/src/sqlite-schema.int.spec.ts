import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { LIMIT_PARAMETER, openDatabase, PAGE_CACHE_KIB, prepareStatements, toLimit } from './sqlite-schema';

let dir: string;

beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'countersign-schema-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('openDatabase', () => {
  it("bounds every connection's page cache to PAGE_CACHE_KIB (not better-sqlite3's 16 MB), on a new file and on reopening one", () => {
    const file = join(dir, 'service.sqlite');
    for (let open = 0; open < 2; open += 1) {
      const db = openDatabase(file, 1_000);
      try {
        // Negative: a size in KiB, whatever the page size (SQLite's convention).
        expect(db.pragma('cache_size', { simple: true })).toBe(-PAGE_CACHE_KIB);
        expect(PAGE_CACHE_KIB).toBeLessThan(16_000);
      } finally {
        db.close();
      }
    }
  });
});

describe('prepareStatements', () => {
  it('prepares each read once: calling it again does not parse and plan it anew', () => {
    const file = join(dir, 'service.sqlite');
    openDatabase(file, 1_000).close();
    // The store is reached through a second attached database. A table of the same name in the
    // first one, created later, is found only by a statement that is parsed again, and it is empty.
    const db = new Database(':memory:');
    try {
      db.exec(`ATTACH ':memory:' AS shadow`);
      db.prepare('ATTACH ? AS store').run(file);
      const sql = prepareStatements(db);
      sql.insert.run('id-0', 'stream-a', 0, 'type', '{}', '{}', 'now');
      const reads = () => ({
        after: sql.after.all(0, Number.MAX_SAFE_INTEGER, 10).length,
        headersAfter: sql.headersAfter.all(0, Number.MAX_SAFE_INTEGER, 10).length,
        byStream: sql.byStream.all('stream-a', 0, 10).length,
      });
      expect(reads()).toEqual({ after: 1, headersAfter: 1, byStream: 1 });
      db.exec('CREATE TABLE shadow.events AS SELECT * FROM store.events WHERE 0');
      expect(reads()).toEqual({ after: 1, headersAfter: 1, byStream: 1 });
    } finally {
      db.close();
    }
  });

  it(`limits with ${LIMIT_PARAMETER}, -1 meaning no limit, and refuses a limit that is not an integer`, () => {
    const db = openDatabase(join(dir, 'service.sqlite'), 1_000);
    try {
      const sql = prepareStatements(db);
      for (let revision = 0; revision < 3; revision += 1) sql.insert.run(`id-${revision}`, 'stream-a', revision, 'type', '{}', '{}', 'now');
      const revisions = (limit: number) => sql.after.all(0, Number.MAX_SAFE_INTEGER, toLimit(limit)).map((row) => row.revision);
      expect([revisions(2), revisions(Infinity)]).toEqual([
        [0, 1],
        [0, 1, 2],
      ]);
      expect(sql.byStream.all('stream-a', 1, toLimit(1)).map((row) => row.revision)).toEqual([1]);
      for (const notALimit of [2.5, -1, NaN]) expect(() => toLimit(notALimit)).toThrow(RangeError);
    } finally {
      db.close();
    }
  });
});
