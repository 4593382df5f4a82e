import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderOcsf } from '../ocsf';
import { fixtureAuditRecords } from '../testing';
import { FileSink } from './file';

const items = fixtureAuditRecords(30).map((record) => ({ sequence: record.sequence, hash: record.hash, ocsf: renderOcsf(record) }));

describe('FileSink', () => {
  it('rotates by size and keeps at most maxFiles rotated files, dropping the oldest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'file-sink-'));
    const path = join(dir, 'ocsf.jsonl');
    const sink = new FileSink({ path, maxBytes: 8 * 1024, maxFiles: 2 });
    for (const item of items) expect(await sink.send([item])).toEqual({ ok: true });
    expect(readdirSync(dir).sort()).toEqual(['ocsf.jsonl', 'ocsf.jsonl.1', 'ocsf.jsonl.2']);
    const sequences = ['ocsf.jsonl.2', 'ocsf.jsonl.1', 'ocsf.jsonl'].flatMap((name) =>
      readFileSync(join(dir, name), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => (JSON.parse(line) as { metadata: { sequence: number } }).metadata.sequence),
    );
    // The newest records, contiguous and in order, end at the last one written.
    expect(sequences.at(-1)).toBe(30);
    expect(sequences).toEqual(Array.from({ length: sequences.length }, (_, index) => 30 - sequences.length + 1 + index));
  });

  it('answers retry (not stop) when it cannot write, so nothing is acked or skipped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'file-sink-'));
    writeFileSync(join(dir, 'not-a-folder'), '');
    const sink = new FileSink({ path: join(dir, 'not-a-folder', 'ocsf.jsonl') });
    expect(await sink.send(items.slice(0, 1))).toMatchObject({ ok: false, retry: true });
  });
});
