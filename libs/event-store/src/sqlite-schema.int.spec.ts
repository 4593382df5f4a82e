import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LIMIT_PARAMETER, openDatabase, PAGE_CACHE_KIB, prepareStatements } from './sqlite-schema';

describe('openDatabase', () => {
  let dir: string;

  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'countersign-schema-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

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

  it('binds every LIMIT through a CAST, so SQLite does not parse and plan the statement again on each call', () => {
    const db = openDatabase(join(dir, 'service.sqlite'), 1_000);
    try {
      const statements = Object.values(prepareStatements(db));
      const limited = statements.filter((statement) => /\bLIMIT\b/i.test(statement.source));
      expect(limited.length).toBeGreaterThan(0);
      for (const statement of limited)
        expect([statement.source, /\bLIMIT\s+\?/i.test(statement.source)]).toEqual([statement.source, false]);
    } finally {
      db.close();
    }
  });

  it(`still limits with ${LIMIT_PARAMETER}, and -1 still means no limit`, () => {
    const db = openDatabase(join(dir, 'service.sqlite'), 1_000);
    try {
      const sql = prepareStatements(db);
      for (let revision = 0; revision < 3; revision += 1) sql.insert.run(`id-${revision}`, 'stream-a', revision, 'type', '{}', '{}', 'now');
      const positions = (limit: number) => sql.after.all(0, Number.MAX_SAFE_INTEGER, limit).map((row) => row.revision);
      expect([positions(2), positions(-1)]).toEqual([
        [0, 1],
        [0, 1, 2],
      ]);
      expect(sql.byStream.all('stream-a', 1, 1).map((row) => row.revision)).toEqual([1]);
    } finally {
      db.close();
    }
  });
});
