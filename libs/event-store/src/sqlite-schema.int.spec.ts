import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, PAGE_CACHE_KIB } from './sqlite-schema';

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
});
