import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AckPolicy, DeliverPolicy, type JetStreamManager, type NatsConnection } from 'nats';
import { Consumers, SERVICE_NAMES, Streams, type ConsumerSpec } from '@countersign/contracts';
import { HomeLayout } from '@countersign/identity';
import { consumerConfigFor, DEFAULT_JETSTREAM_SETTINGS } from '@countersign/messaging';
import { connectAs, REPO_ROOT, type Stack } from '@countersign/stack';

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
  for (const spec of Object.values(Consumers).flat()) {
    await jsm.consumers.delete(spec.stream, spec.durable);
    await addConsumerAtEnd(jsm, spec);
  }
  return published;
}

/** Adds a durable consumer as provisioning configures it, starting after what its stream holds now: as if it had consumed that history. */
export async function addConsumerAtEnd(jsm: JetStreamManager, spec: ConsumerSpec): Promise<void> {
  const last = (await jsm.streams.info(spec.stream)).state.last_seq;
  await jsm.consumers.add(spec.stream, {
    ...consumerConfigFor(spec, DEFAULT_JETSTREAM_SETTINGS),
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: last + 1,
  });
}

const CHUNK = 20_000;

export interface Sample {
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
export async function publishInChunks(
  jsm: JetStreamManager,
  stream: string,
  before: number,
  missing: number,
  samples: Sample[],
): Promise<void> {
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
