import { generateKeyPairSync, randomUUID, sign, verify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AckPolicy, connect, DeliverPolicy, StorageType, type NatsConnection } from 'nats';
import { startNatsServer } from '@countersign/testing';
import Database from 'better-sqlite3';

/** Microseconds per unit of essential work, measured on this machine in the bench's own run. */
export interface PrimitiveCosts {
  publishUs: number;
  consumeUs: number;
  signUs: number;
  verifyUs: number;
  appendUs: number;
}

const PAYLOAD = new Uint8Array(1000).fill(120);

function perOp(start: bigint, count: number): number {
  return Number(process.hrtime.bigint() - start) / 1000 / count;
}

function cryptoCosts(samples = 3000): Pick<PrimitiveCosts, 'signUs' | 'verifyUs'> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const signatures: Buffer[] = [];
  let start = process.hrtime.bigint();
  for (let i = 0; i < samples; i += 1) signatures.push(sign(null, PAYLOAD, privateKey));
  const signUs = perOp(start, samples);
  start = process.hrtime.bigint();
  for (const signature of signatures) verify(null, PAYLOAD, publicKey, signature);
  return { signUs, verifyUs: perOp(start, samples) };
}

/**
 * One durable append: one event in its own transaction, WAL with synchronous = FULL (the project's
 * SQLite settings), the same table and unique indexes as the SQLite adapter.
 */
async function appendCost(samples = 2000): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'countersign-bench-store-'));
  const db = new Database(join(dir, 'bench.sqlite'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec(`CREATE TABLE events (position INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, stream TEXT NOT NULL,
      revision INTEGER NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL, metadata TEXT NOT NULL, recorded_at TEXT NOT NULL,
      UNIQUE (stream, revision))`);
    const insert = db.prepare('INSERT INTO events (id, stream, revision, type, data, metadata, recorded_at) VALUES (?, ?, 0, ?, ?, ?, ?)');
    const append = db.transaction((id: string, data: string) =>
      insert.run(id, `bench-${id}`, 'bench', data, '{}', new Date().toISOString()),
    );
    const data = JSON.stringify({ blob: Buffer.from(PAYLOAD).toString('base64') });
    const start = process.hrtime.bigint();
    for (let i = 0; i < samples; i += 1) append.immediate(randomUUID(), data);
    return await Promise.resolve(perOp(start, samples));
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** JetStream publish (awaited PubAck, a window of 64 in flight) and consume+ack, on a scratch stream. */
async function natsCosts(nc: NatsConnection, samples = 5000): Promise<Pick<PrimitiveCosts, 'publishUs' | 'consumeUs'>> {
  const jsm = await nc.jetstreamManager();
  const stream = `BENCH_${Date.now()}`;
  await jsm.streams.add({ name: stream, subjects: [`bench.${stream}`], storage: StorageType.File });
  try {
    const js = nc.jetstream();
    let next = 0;
    const start = process.hrtime.bigint();
    const worker = async () => {
      while (next < samples) {
        next += 1;
        await js.publish(`bench.${stream}`, PAYLOAD);
      }
    };
    await Promise.all(Array.from({ length: 64 }, worker));
    const publishUs = perOp(start, samples);
    await jsm.consumers.add(stream, { durable_name: 'bench', ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All });
    const consumer = await js.consumers.get(stream, 'bench');
    const consumeStart = process.hrtime.bigint();
    const messages = await consumer.consume({ max_messages: 500 });
    let seen = 0;
    for await (const msg of messages) {
      msg.ack();
      seen += 1;
      if (seen >= samples) break;
    }
    return { publishUs, consumeUs: perOp(consumeStart, samples) };
  } finally {
    await jsm.streams.delete(stream);
  }
}

/**
 * Messaging is measured on a scratch nats-server of the same binary, so the stack's streams and
 * permissions stay untouched; the stack is idle by then.
 */
export async function measureUnitCosts(): Promise<PrimitiveCosts> {
  const server = await startNatsServer();
  try {
    const nc = await connect({ servers: server.url, noAsyncTraces: true });
    const nats = await natsCosts(nc);
    await nc.close();
    return { ...nats, ...cryptoCosts(), appendUs: await appendCost() };
  } finally {
    await server.stop();
  }
}

export interface EssentialBound {
  perRequestUs: number;
  rps: number;
}

/**
 * The essential-work bound: per request, one durable append, one signature and one publish per event
 * of the flow, one consume and one verification per delivery a consumer needs, spread over every
 * core with no idle time. It counts the flow, not the pipeline's own operations, so it does not move
 * when the pipeline does more (or less) work than the flow needs.
 */
export function essentialBound(costs: PrimitiveCosts, events: number, neededDeliveries: number, cores: number): EssentialBound {
  const perRequestUs = events * (costs.appendUs + costs.signUs + costs.publishUs) + neededDeliveries * (costs.consumeUs + costs.verifyUs);
  return { perRequestUs, rps: (cores * 1e6) / perRequestUs };
}
