import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { AckPolicy, DeliverPolicy, type JetStreamManager, type NatsConnection } from 'nats';
import { Consumers, SERVICE_NAMES, Streams } from '@countersign/contracts';
import type { EventRow } from '@countersign/event-store';
import { HomeLayout } from '@countersign/identity';
import { consumerConfigFor, DEFAULT_JETSTREAM_SETTINGS } from '@countersign/messaging';
import { connectAs, REPO_ROOT, type Stack } from '@countersign/stack';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

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
 * Copies are dated back, oldest first, so times rise with store position as in a real history;
 * cloned with the template's own times, a requester's budget stream held every clone in its
 * window at once and its first fold after the restart went quadratic (intake busy for more than
 * ten minutes at 10^6).
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
 * timeSlot), in transactions of about 50,000 rows. Streams named without a UUID (audit's single
 * log, a requester's budget) continue their revisions.
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
    const next = new Map<string, number>();
    for (const row of db.prepare('SELECT stream, MAX(revision) AS revision FROM events GROUP BY stream').all() as Array<{
      stream: string;
      revision: number;
    }>) {
      next.set(row.stream, row.revision + 1);
    }
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
          const revision = stream === row.stream ? (next.get(stream) ?? 0) : row.revision;
          if (stream === row.stream) next.set(stream, revision + 1);
          insert.run(rewrite(row.id), stream, revision, row.type, backdate(rewrite(row.data)), row.metadata, backdate(row.recorded_at));
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
    const samples: Sample[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && samples.length < 200; seq += 1) {
      const { subject, data } = await jsm.streams.getMessage(stream.name, { seq });
      samples.push({ connection: await publisherOf(subject), subject, data });
    }
    const missing = target - info.state.messages;
    await publishInChunks(jsm, stream.name, info.state.messages, missing, samples);
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

interface Sample {
  connection: NatsConnection;
  subject: string;
  data: Uint8Array;
}

/**
 * Publishes `missing` copies as plain NATS messages (JetStream stores a message on its subjects
 * with or without a reply; leaving the PubAck out is what makes a 10^6 pre-fill take minutes, not
 * hours), CHUNK at a time: flush, then wait until the stream holds them before the next chunk, so
 * the server is never asked to buffer more than one chunk.
 */
async function publishInChunks(jsm: JetStreamManager, stream: string, before: number, missing: number, samples: Sample[]): Promise<void> {
  for (let sent = 0; sent < missing;) {
    const connections = new Set<NatsConnection>();
    for (const end = Math.min(missing, sent + CHUNK); sent < end; sent += 1) {
      const { connection, subject, data } = samples[sent % samples.length]!;
      connection.publish(subject, data);
      connections.add(connection);
    }
    await Promise.all([...connections].map((connection) => connection.flush()));
    for (let waited = 0; (await storedMessages(jsm, stream)) < before + sent; waited += 100) {
      if (waited > 300_000) throw new Error(`${stream}: the server stored fewer than ${before + sent} messages after 5 minutes`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/**
 * JetStream's file storage limit the history needs (about 1 KB a message: 10^6 in each of the
 * streams that carry messages is 4-5 GB, beyond the generated config's 4GB). The bench starts its
 * stack with it (`natsMaxFileStore`) when it will pre-fill a history.
 */
export const HISTORY_FILE_STORE = '64GB';

/** Runs prefillStore in a process of its own (test/bench/prefill-store.ts); resolves with the rows it added. */
function prefillInChild(file: string, target: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const script = join(__dirname, 'prefill-store.ts');
    execFile(process.execPath, [join(REPO_ROOT, 'scripts', 'run-ts.js'), script, file, String(target)], (error, stdout, stderr) => {
      if (error) reject(new Error(`pre-fill of ${file} failed: ${stderr || error.message}`));
      else resolve(Number(stdout.trim().split('\n').at(-1)));
    });
  });
}

/** Messages the stream holds; -1 while the server does not answer in time (a loaded server busy storing a chunk). */
async function storedMessages(jsm: JetStreamManager, stream: string): Promise<number> {
  try {
    return (await jsm.streams.info(stream)).state.messages;
  } catch (error) {
    console.error(`history: ${stream} info failed, asking again: ${String(error).split('\n')[0]}`);
    return -1;
  }
}

/**
 * A service refuses to start when a JetStream call of its start-up times out (fail fast); right
 * after a bulk pre-fill a loaded server can be that slow. Said on stderr, and tried up to 3 times.
 */
async function startWithRetries(stack: Stack, service: string): Promise<number> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await stack.start(service);
      return attempt;
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
): Promise<{ rows: number; messages: number; seconds: number } & StartTimes> {
  const started = process.hrtime.bigint();
  for (const service of SERVICE_NAMES) await stack.stop(service);
  const files = SERVICE_NAMES.map((service) => HomeLayout.data(stack.home, service)).filter((file) => existsSync(file));
  const stores = Promise.all(files.map((file) => prefillInChild(file, target)));
  const [added, messages] = await Promise.all([stores, prefillStreams(stack, provisioner, target)]);
  const rows = added.reduce((sum, count) => sum + count, 0);
  const startTimes = await startTimed(stack);
  return { rows, messages, seconds: Number(process.hrtime.bigint() - started) / 1e9, ...startTimes };
}

export interface StartTimes {
  /** Seconds from start to ready, per service, failed attempts included (counted in startRetries). */
  startSeconds: Record<string, number>;
  startRetries: Record<string, number>;
}

/**
 * Starts the services one after the other, as the stack does, timing each: a figure is that
 * service's start-up replay alone.
 */
async function startTimed(stack: Stack): Promise<StartTimes> {
  const startSeconds: Record<string, number> = {};
  const startRetries: Record<string, number> = {};
  for (const service of SERVICE_NAMES) {
    const starting = process.hrtime.bigint();
    const attempts = await startWithRetries(stack, service);
    startSeconds[service] = Math.round(Number(process.hrtime.bigint() - starting) / 1e7) / 100;
    if (attempts > 1) startRetries[service] = attempts - 1;
  }
  return { startSeconds, startRetries };
}

/** Stops and starts every service again, timed: the second start finds what the first one saved (snapshots). */
export async function restartTimed(stack: Stack): Promise<StartTimes> {
  for (const service of SERVICE_NAMES) await stack.stop(service);
  return startTimed(stack);
}
