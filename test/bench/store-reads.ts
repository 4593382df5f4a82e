import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@countersign/event-store';

/**
 * CPU per store read, in process: a store-wide read of the newest row (what the relay and the
 * due-work subscriptions do after each commit) and a read of one stream's last event (the decision
 * runner). Run: node scripts/run-ts.js test/bench/store-reads.ts. docs/operations.md, "Store reads
 * are prepared once", compares it with the statements SQLite re-prepared on every call.
 */
const EVENTS = 2_000;
const CALLS = 20_000;
const ROUNDS = 5;

async function cpuPerCall(read: () => Promise<unknown>): Promise<number> {
  const start = process.cpuUsage();
  for (let call = 0; call < CALLS; call += 1) await read();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / CALLS;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'countersign-store-reads-'));
  const store = SqliteEventStore.open(join(dir, 'store.sqlite'));
  try {
    for (let n = 0; n < EVENTS; n += 1)
      await store.append(`stream-${n % 100}`, [{ id: randomUUID(), type: 'bench.event', data: { n, text: 'x'.repeat(400) } }], 'any');
    const head = (await store.readAll(-1, Infinity)).at(-1)!.position;
    for (let round = 1; round <= ROUNDS; round += 1) {
      const newest = await cpuPerCall(() => store.readAll(head - 1, 256));
      const last = await cpuPerCall(() => store.readStream('stream-7', { fromRevision: 19, maxCount: 100 }));
      console.log(
        `round ${round}: readAll(newest row) ${newest.toFixed(1)} µs, readStream(last event) ${last.toFixed(1)} µs of CPU per call`,
      );
    }
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
