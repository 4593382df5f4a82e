import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { AckPolicy, DeliverPolicy, type JetStreamManager, type NatsConnection } from 'nats';
import { Consumers, SERVICE_NAMES, Streams } from '@countersign/contracts';
import type { EventRow } from '@countersign/event-store';
import { HomeLayout } from '@countersign/identity';
import { consumerConfigFor, DEFAULT_JETSTREAM_SETTINGS } from '@countersign/messaging';
import { connectAs, type Stack } from '@countersign/stack';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/** A stable stand-in for a UUID in clone `copy`: every id, request id and stream name of a copy is new, and consistent within it. */
function cloneUuid(uuid: string, copy: number): string {
  const hex = createHash('sha256').update(`${uuid}:${copy}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** A stored row as the SQLite store keeps it, without the position the insert assigns. */
type Row = Omit<EventRow, 'position'>;

const STORE_CHUNK = 50_000;

/**
 * Grows one service store to `target` events by cloning the requests already in it (their UUIDs
 * rewritten, so each clone is a distinct finished request), in transactions of about 50,000 rows. Streams named
 * without a UUID (audit's single log) continue their revisions.
 */
export function prefillStore(file: string, target: number): number {
  const db = new Database(file);
  try {
    const template = db
      .prepare('SELECT id, stream, revision, type, data, metadata, recorded_at FROM events ORDER BY position')
      .all() as Row[];
    if (template.length === 0) return 0;
    const insert = db.prepare('INSERT INTO events (id, stream, revision, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    const next = new Map<string, number>();
    for (const row of db.prepare('SELECT stream, MAX(revision) AS revision FROM events GROUP BY stream').all() as Array<{
      stream: string;
      revision: number;
    }>) {
      next.set(row.stream, row.revision + 1);
    }
    let added = 0;
    let copy = 0;
    // One transaction per copy batch of about STORE_CHUNK rows, so the WAL is checkpointed along the way.
    const fill = db.transaction(() => {
      for (const stop = Math.min(target, template.length + added + STORE_CHUNK); template.length + added < stop;) {
        copy += 1;
        const rewrite = (text: string) => text.replace(UUID, (uuid) => cloneUuid(uuid, copy));
        for (const row of template) {
          if (template.length + added >= target) break;
          const stream = rewrite(row.stream);
          const revision = stream === row.stream ? (next.get(stream) ?? 0) : row.revision;
          if (stream === row.stream) next.set(stream, revision + 1);
          insert.run(rewrite(row.id), stream, revision, row.type, rewrite(row.data), row.metadata, row.recorded_at);
          added += 1;
        }
      }
    });
    while (template.length + added < target) fill();
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

/**
 * Grows every stream to `target` messages with copies of what it holds (fresh Nats-Msg-Ids), then
 * moves each durable consumer past them, as if it had consumed that history.
 */
export async function prefillStreams(stack: Stack, provisioner: NatsConnection, target: number): Promise<number> {
  const jsm = await provisioner.jetstreamManager();
  const publishers = new Map<string, NatsConnection>();
  // Only the identity a subject belongs to may publish on it; the provisioner may not.
  const publisherOf = async (subject: string) => {
    const [, kind, name] = subject.split('.');
    const user =
      kind === 'submit'
        ? `requester-${name}`
        : kind === 'vote'
          ? `approver-${name}`
          : kind === 'evt'
            ? name!
            : kind === 'notify'
              ? 'intake'
              : 'audit';
    if (!publishers.has(user)) publishers.set(user, await connectAs(stack, user));
    return publishers.get(user)!;
  };
  let published = 0;
  for (const stream of Object.values(Streams)) {
    const info = await jsm.streams.info(stream.name);
    if (info.state.messages === 0) continue;
    const samples: Array<{ subject: string; data: Uint8Array }> = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && samples.length < 200; seq += 1) {
      samples.push(await jsm.streams.getMessage(stream.name, { seq }));
    }
    const missing = target - info.state.messages;
    await publishInChunks(jsm, stream.name, info.state.messages, missing, async (index) => {
      const sample = samples[index % samples.length]!;
      return { connection: await publisherOf(sample.subject), sample };
    });
    published += missing;
  }
  await Promise.all([...publishers.values()].map((connection) => connection.close()));
  const settings = DEFAULT_JETSTREAM_SETTINGS;
  for (const spec of Object.values(Consumers).flat()) {
    const last = (await jsm.streams.info(spec.stream)).state.last_seq;
    await jsm.consumers.delete(spec.stream, spec.durable);
    await jsm.consumers.add(spec.stream, {
      ...consumerConfigFor(spec, settings),
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: last + 1,
    });
  }
  return published;
}

const CHUNK = 20_000;

/**
 * Publishes `missing` copies as plain NATS messages (JetStream stores a message on its subjects
 * with or without a reply; leaving the PubAck out is what makes a 10^6 pre-fill take minutes, not
 * hours), CHUNK at a time: flush, then wait until the stream holds them before the next chunk, so
 * the server is never asked to buffer more than one chunk.
 */
async function publishInChunks(
  jsm: JetStreamManager,
  stream: string,
  before: number,
  missing: number,
  sampleAt: (index: number) => Promise<{ connection: NatsConnection; sample: { subject: string; data: Uint8Array } }>,
): Promise<void> {
  for (let sent = 0; sent < missing;) {
    const connections = new Set<NatsConnection>();
    for (const end = Math.min(missing, sent + CHUNK); sent < end; sent += 1) {
      const { connection, sample } = await sampleAt(sent);
      connection.publish(sample.subject, sample.data);
      connections.add(connection);
    }
    await Promise.all([...connections].map((connection) => connection.flush()));
    for (let waited = 0; (await jsm.streams.info(stream)).state.messages < before + sent; waited += 100) {
      if (waited > 120_000) throw new Error(`${stream}: the server stored fewer than ${before + sent} messages after 2 minutes`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/**
 * A service refuses to start when a JetStream call of its start-up times out (fail fast); right
 * after a bulk pre-fill a loaded server can be that slow. Said on stderr, and tried up to 3 times.
 */
async function startWithRetries(stack: Stack, service: string): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await stack.start(service);
      return;
    } catch (error) {
      if (attempt >= 3) throw error;
      console.error(`history: ${service} did not start (attempt ${attempt}), retrying: ${String(error).split('\n')[0]}`);
    }
  }
}

/** Stops the services, grows their stores and the streams to `target`, and starts them again. */
export async function prefillHistory(
  stack: Stack,
  provisioner: NatsConnection,
  target: number,
): Promise<{ rows: number; messages: number; seconds: number }> {
  const started = process.hrtime.bigint();
  for (const service of SERVICE_NAMES) await stack.stop(service);
  let rows = 0;
  for (const service of SERVICE_NAMES) {
    const file = HomeLayout.data(stack.home, service);
    if (existsSync(file)) rows += prefillStore(file, target);
  }
  const messages = await prefillStreams(stack, provisioner, target);
  for (const service of SERVICE_NAMES) await startWithRetries(stack, service);
  return { rows, messages, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}
