import { generateKeyPairSync, randomUUID, sign, verify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AckPolicy, connect, DeliverPolicy, StorageType, type NatsConnection } from 'nats';
import { startNatsServer } from '@countersign/testing';
import { SqliteEventStore } from '@countersign/event-store';

/** Microseconds per operation of each primitive the pipeline is made of, measured on this machine now. */
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

async function appendCost(samples = 2000): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'countersign-bench-store-'));
  const store = SqliteEventStore.open(join(dir, 'bench.sqlite'));
  try {
    const data = { blob: Buffer.from(PAYLOAD).toString('base64') };
    const start = process.hrtime.bigint();
    for (let i = 0; i < samples; i += 1) await store.append(`bench-${i}`, [{ id: randomUUID(), type: 'bench', data }], 'no_stream');
    return perOp(start, samples);
  } finally {
    await store.close();
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
export async function measurePrimitives(): Promise<PrimitiveCosts> {
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
