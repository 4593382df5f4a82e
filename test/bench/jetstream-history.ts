import { connect, DeliverPolicy, headers, type ConsumerMessages, type JetStreamClient, type NatsConnection } from 'nats';
import { Consumers, EventTypes, MSG_ID_HEADER, Streams, Subjects } from '@countersign/contracts';
import { consumerConfigFor, DEFAULT_JETSTREAM_SETTINGS, streamConfigFor } from '@countersign/messaging';
import { startNatsServer, type RunningNatsServer } from '@countersign/testing';
import { percentile } from './driver';

/**
 * Does a JetStream stream holding STREAM_HISTORY messages (10^6 unless set) make a publish or a
 * delivery slower? Two nats-servers on free loopback ports, each with `CS_EVENTS` and every durable
 * consumer the services have on it (as provisioning configures them); one stream is filled first
 * with plain publishes spread over the subjects those consumers filter on, and its consumers are
 * moved past them, as the history bench does. Then, in alternating rounds, one message at a time on
 * each server: the time of a publish with an awaited PubAck, and from the publish until the
 * consumer filtering on its subject has it. Run: node scripts/run-ts.js test/bench/jetstream-history.ts.
 * docs/operations.md, "The history run at 10^6 events", records what it showed.
 */
const HISTORY = Number(process.env.STREAM_HISTORY ?? 1_000_000);
const MESSAGES = 1_000;
const ROUNDS = 4;
const CHUNK = 20_000;
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
  connection: NatsConnection;
  js: JetStreamClient;
  sent: number;
}

const config = ({ port, storeDir }: { port: number; storeDir: string }) =>
  `listen: 127.0.0.1:${port}\njetstream { store_dir: "${storeDir}", max_file_store: 64G }\n`;

async function startSide(history: number): Promise<Side> {
  const server = await startNatsServer({ config });
  const connection = await connect({ servers: server.url });
  const jsm = await connection.jetstreamManager();
  await jsm.streams.add(streamConfigFor(Streams.events, DEFAULT_JETSTREAM_SETTINGS));
  for (let sent = 0; sent < history;) {
    for (const end = Math.min(history, sent + CHUNK); sent < end; sent += 1) connection.publish(SUBJECTS[sent % SUBJECTS.length]!, PAYLOAD);
    await connection.flush();
    while ((await jsm.streams.info(Streams.events.name)).state.messages < sent) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const last = (await jsm.streams.info(Streams.events.name)).state.last_seq;
  for (const spec of EVENT_CONSUMERS)
    await jsm.consumers.add(spec.stream, {
      ...consumerConfigFor(spec, DEFAULT_JETSTREAM_SETTINGS),
      ...(last > 0 ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: last + 1 } : {}),
    });
  return { server, connection, js: connection.jetstream(), sent: 0 };
}

/** One message at a time: publish with a PubAck, then wait until every consumer filtering on it has it. */
async function oneAtATime(side: Side): Promise<{ publish: number[]; delivered: number[] }> {
  const waiting = new Map<string, () => void>();
  const readers: ConsumerMessages[] = [];
  for (const spec of EVENT_CONSUMERS) {
    const messages = await (await side.js.consumers.get(spec.stream, spec.durable)).consume({ max_messages: 10 });
    readers.push(messages);
    void (async () => {
      for await (const message of messages) {
        waiting.get(`${message.headers?.get(MSG_ID_HEADER) ?? ''} ${spec.durable}`)?.();
        message.ack();
      }
    })();
  }
  const publish: number[] = [];
  const delivered: number[] = [];
  for (let n = 0; n < MESSAGES; n += 1) {
    const subject = SUBJECTS[n % SUBJECTS.length]!;
    const id = `bench-${(side.sent += 1)}`;
    const readersOf = EVENT_CONSUMERS.filter((spec) => matches(spec.filterSubject, subject));
    const arrivals = readersOf.map((spec) => new Promise<void>((resolve) => waiting.set(`${id} ${spec.durable}`, resolve)));
    const header = headers();
    header.set(MSG_ID_HEADER, id);
    const started = performance.now();
    await side.js.publish(subject, PAYLOAD, { headers: header });
    publish.push(performance.now() - started);
    await Promise.all(arrivals);
    delivered.push(performance.now() - started);
  }
  readers.forEach((messages) => messages.stop());
  return { publish, delivered };
}

function matches(filter: string, subject: string): boolean {
  const wanted = filter.split('.');
  const tokens = subject.split('.');
  return (
    wanted.every((token, index) => token === '>' || token === '*' || token === tokens[index]) &&
    (wanted.at(-1) === '>' || wanted.length === tokens.length)
  );
}

function figures(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  return `p50 ${percentile(sorted, 50).toFixed(3)} ms, p90 ${percentile(sorted, 90).toFixed(3)} ms`;
}

async function main(): Promise<void> {
  const filling = Date.now();
  const [empty, full] = [await startSide(0), await startSide(HISTORY)];
  console.log(
    `filled CS_EVENTS with ${HISTORY} messages in ${((Date.now() - filling) / 1_000).toFixed(1)} s; ${EVENT_CONSUMERS.length} consumers`,
  );
  try {
    for (let n = 1; n <= ROUNDS; n += 1) {
      const small = await oneAtATime(empty);
      const large = await oneAtATime(full);
      console.log(
        `round ${n}: publish+PubAck empty ${figures(small.publish)}, with ${HISTORY} ${figures(large.publish)}; ` +
          `until delivered empty ${figures(small.delivered)}, with ${HISTORY} ${figures(large.delivered)}`,
      );
    }
  } finally {
    for (const side of [empty, full]) {
      await side.connection.close();
      await side.server.stop();
    }
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
