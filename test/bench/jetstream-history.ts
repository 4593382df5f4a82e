import { connect, headers, type ConsumerMessages, type JetStreamClient, type NatsConnection } from 'nats';
import { Consumers, EventTypes, MSG_ID_HEADER, Streams, Subjects, subjectMatches, type ConsumerSpec } from '@countersign/contracts';
import { DEFAULT_JETSTREAM_SETTINGS, streamConfigFor } from '@countersign/messaging';
import { startNatsServer, type RunningNatsServer } from '@countersign/testing';
import { percentile } from './driver';
import { addConsumerAtEnd, publishInChunks } from './history';

/**
 * Does a JetStream stream holding STREAM_HISTORY messages (10^6 unless set) make a publish or a
 * delivery slower? Two nats-servers on free loopback ports, each with `CS_EVENTS` and every durable
 * consumer the services have on it (as provisioning configures them); one stream is first filled
 * with plain publishes spread over the subjects those consumers filter on, and the consumers start
 * after them, as the history bench does. Then, in rounds that alternate which server goes first, one
 * message at a time on each: the time of a publish with an awaited PubAck, and from the publish
 * until every consumer filtering on its subject has it. Run: node scripts/run-ts.js
 * test/bench/jetstream-history.ts. docs/operations.md, "The history run at 10^6 events", records
 * what it showed.
 */
const HISTORY = Number(process.env.STREAM_HISTORY ?? 1_000_000);
const MESSAGES = 1_000;
const ROUNDS = 4;
/** A delivery not seen by then is lost: the run fails instead of waiting forever. */
const DELIVERY_TIMEOUT_MS = 10_000;
/** About a signed envelope's size on the bus. */
const PAYLOAD = new Uint8Array(1_200);
/** One subject per producing service, each filtered on by a service's consumer. */
const SUBJECTS = [
  Subjects.serviceEvent('intake', EventTypes.RequestAccepted),
  Subjects.serviceEvent('approval', EventTypes.RequestApproved),
  Subjects.serviceEvent('broker', EventTypes.CredentialIssued),
  Subjects.serviceEvent('executor', EventTypes.ExecutionSucceeded),
  Subjects.serviceEvent('audit', EventTypes.AuditReceipt),
];
const EVENT_CONSUMERS = Object.values(Consumers)
  .flat()
  .filter((spec) => spec.stream === Streams.events.name);

interface Side {
  server: RunningNatsServer;
  connection?: NatsConnection;
  sent: number;
}

interface Timings {
  publish: number[];
  delivered: number[];
}

const config = ({ port, storeDir }: { port: number; storeDir: string }) =>
  `listen: 127.0.0.1:${port}\njetstream { store_dir: "${storeDir}", max_file_store: 64G }\n`;

/** The stream and its consumers, after `history` plain messages when asked for. */
async function prepare(side: Side, history: number): Promise<void> {
  const connection = (side.connection = await connect({ servers: side.server.url }));
  const jsm = await connection.jetstreamManager();
  await jsm.streams.add(streamConfigFor(Streams.events, DEFAULT_JETSTREAM_SETTINGS));
  const samples = SUBJECTS.map((subject) => ({ connection, subject, data: PAYLOAD }));
  if (history > 0) await publishInChunks(jsm, Streams.events.name, 0, history, samples);
  for (const spec of EVENT_CONSUMERS) await addConsumerAtEnd(jsm, spec);
}

/** Every consumer pulling; `arrived(id, durable)` is told of each message as it comes. */
async function readAll(js: JetStreamClient, arrived: (id: string, durable: string) => void): Promise<ConsumerMessages[]> {
  const readers: ConsumerMessages[] = [];
  for (const spec of EVENT_CONSUMERS) {
    const messages = await (await js.consumers.get(spec.stream, spec.durable)).consume({ max_messages: 10 });
    readers.push(messages);
    void (async () => {
      for await (const message of messages) {
        arrived(message.headers?.get(MSG_ID_HEADER) ?? '', spec.durable);
        message.ack();
      }
    })();
  }
  return readers;
}

/** One message at a time: publish with a PubAck, then wait until every consumer filtering on it has it. */
async function oneAtATime(side: Side): Promise<Timings> {
  const js = side.connection!.jetstream();
  const waiting = new Map<string, () => void>();
  const readers = await readAll(js, (id, durable) => waiting.get(`${id} ${durable}`)?.());
  const timings: Timings = { publish: [], delivered: [] };
  try {
    for (let n = 0; n < MESSAGES; n += 1) await timeOne(side, js, SUBJECTS[n % SUBJECTS.length]!, waiting, timings);
  } finally {
    readers.forEach((messages) => messages.stop());
  }
  return timings;
}

async function timeOne(
  side: Side,
  js: JetStreamClient,
  subject: string,
  waiting: Map<string, () => void>,
  timings: Timings,
): Promise<void> {
  const id = `bench-${(side.sent += 1)}`;
  const readers: ConsumerSpec[] = EVENT_CONSUMERS.filter((spec) => subjectMatches(spec.filterSubject, subject));
  const arrivals = readers.map((spec) => new Promise<void>((resolve) => waiting.set(`${id} ${spec.durable}`, resolve)));
  const header = headers();
  header.set(MSG_ID_HEADER, id);
  const started = performance.now();
  await js.publish(subject, PAYLOAD, { headers: header });
  timings.publish.push(performance.now() - started);
  let timer: NodeJS.Timeout | undefined;
  const lost = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${id} on ${subject} not delivered within ${DELIVERY_TIMEOUT_MS} ms`)), DELIVERY_TIMEOUT_MS);
  });
  try {
    await Promise.race([Promise.all(arrivals), lost]);
  } finally {
    clearTimeout(timer);
    readers.forEach((spec) => waiting.delete(`${id} ${spec.durable}`));
  }
  timings.delivered.push(performance.now() - started);
}

function figures(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  return `p50 ${percentile(sorted, 50).toFixed(3)} ms, p90 ${percentile(sorted, 90).toFixed(3)} ms`;
}

async function main(): Promise<void> {
  const sides: Side[] = [];
  try {
    const [empty, full] = [
      { server: await startNatsServer({ config }), sent: 0 },
      { server: await startNatsServer({ config }), sent: 0 },
    ];
    sides.push(empty, full);
    const filling = Date.now();
    await prepare(empty, 0);
    await prepare(full, HISTORY);
    console.log(
      `filled CS_EVENTS with ${HISTORY} messages in ${((Date.now() - filling) / 1_000).toFixed(1)} s; ${EVENT_CONSUMERS.length} consumers`,
    );
    for (let n = 1; n <= ROUNDS; n += 1) {
      const [small, large] = n % 2 === 1 ? [await oneAtATime(empty), await oneAtATime(full)] : await reversed(empty, full);
      console.log(
        `round ${n}: publish+PubAck empty ${figures(small.publish)}, with ${HISTORY} ${figures(large.publish)}; ` +
          `until delivered empty ${figures(small.delivered)}, with ${HISTORY} ${figures(large.delivered)}`,
      );
    }
  } finally {
    for (const side of sides) {
      await side.connection?.close();
      await side.server.stop();
    }
  }
}

/** The full stream's round first, returned in the usual order. */
async function reversed(empty: Side, full: Side): Promise<[Timings, Timings]> {
  const large = await oneAtATime(full);
  return [await oneAtATime(empty), large];
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
