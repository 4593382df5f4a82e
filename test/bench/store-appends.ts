import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteEventStore } from '@countersign/event-store';

/**
 * CPU and time per durable append, in process, on an empty store and on one holding
 * STORE_HISTORY events (10^6 unless set), in alternating rounds: does an append cost more once
 * the store is large? Each append opens a new stream named after a fresh request id, as a
 * request's first events do (`request-<id>`, `credential-<id>`, ...), and is committed on its own
 * (one fsync, as one request at a time). Run: node scripts/run-ts.js test/bench/store-appends.ts.
 * docs/operations.md, "The history run at 10^6 events", records what it showed.
 */
const HISTORY = Number(process.env.STORE_HISTORY ?? 1_000_000);
const APPENDS = 2_000;
const ROUNDS = 5;
const STREAMS_PER_REQUEST = 5;
/** About a signed envelope's size as the services store it. */
const payload = (n: number) => ({ n, envelope: 'x'.repeat(1_200) });

/** Writes `count` events straight into the file, a request's worth of new streams at a time (a fixture, so no fsync). */
async function fill(file: string, count: number): Promise<void> {
  // The store's own schema first.
  await SqliteEventStore.open(file).close();
  const db = new Database(file);
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -262144');
  const insert = db.prepare('INSERT INTO events (id, stream, revision, type, data, metadata, recorded_at) VALUES (?, ?, 0, ?, ?, ?, ?)');
  const recordedAt = new Date().toISOString();
  db.transaction(() => {
    for (let n = 0; n < count; n += 1) {
      const stream = `${['request', 'credential', 'execution', 'evidence', 'custody'][n % STREAMS_PER_REQUEST]}-${randomUUID()}`;
      insert.run(randomUUID(), stream, 'bench.event', JSON.stringify(payload(n)), '{}', recordedAt);
    }
  })();
  db.close();
}

async function perAppend(store: SqliteEventStore): Promise<{ cpuUs: number; wallUs: number }> {
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  for (let n = 0; n < APPENDS; n += 1)
    await store.append(`request-${randomUUID()}`, [{ id: randomUUID(), type: 'bench.event', data: payload(n) }], 'no_stream');
  const used = process.cpuUsage(cpu);
  return { cpuUs: (used.user + used.system) / APPENDS, wallUs: Number(process.hrtime.bigint() - started) / 1_000 / APPENDS };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'countersign-store-appends-'));
  const [emptyFile, largeFile] = [join(dir, 'empty.sqlite'), join(dir, 'large.sqlite')];
  try {
    const filling = Date.now();
    await fill(largeFile, HISTORY);
    console.log(`filled ${HISTORY} events in ${((Date.now() - filling) / 1_000).toFixed(1)} s`);
    const empty = SqliteEventStore.open(emptyFile);
    const large = SqliteEventStore.open(largeFile);
    const format = ({ cpuUs, wallUs }: { cpuUs: number; wallUs: number }) => `${cpuUs.toFixed(0)} µs CPU, ${wallUs.toFixed(0)} µs`;
    for (let round = 1; round <= ROUNDS; round += 1) {
      const small = await perAppend(empty);
      const big = await perAppend(large);
      console.log(`round ${round}: per append, empty store ${format(small)}; with ${HISTORY} events ${format(big)}`);
    }
    await Promise.all([empty.close(), large.close()]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
