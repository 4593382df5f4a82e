import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NatsConnection } from 'nats';
import { Consumers, EventTypes, Streams, Subjects, type Envelope, type ServiceName } from '@countersign/contracts';
import { EnvelopeSigner, loadIdentity } from '@countersign/identity';
import { connectAs, startStack, type Stack } from '../stack';

/** One message as it sits on the bus: what a consumer would be handed, byte for byte. */
export interface RecordedMessage {
  stream: string;
  seq: number;
  subject: string;
  data: Uint8Array;
  /** JetStream's stored timestamp, in nanoseconds (freshness of external events is judged against it). */
  timestampNanos: number;
  envelope: Envelope;
}

export interface RecordedFlows {
  /** The provisioned home the stack ran with: the keys the in-process services need. */
  home: string;
  /** Every message on the submission, vote, event and notification streams, in arrival order. */
  messages: RecordedMessage[];
  requestIds: { auto: string; twoApprovers: string };
  remove(): void;
}

const RECORDED_STREAMS = [Streams.submissions, Streams.votes, Streams.events, Streams.notifications].map((stream) => stream.name);
const FLOW_TIMEOUT_MS = 90_000;

const deploy = (environment: string) => ({
  kind: 'http.request',
  // The registry files the one demo system under a name per environment.
  target: environment === 'production' ? 'demo-target' : 'demo-staging',
  environment,
  parameters: { method: 'POST', path: '/deploy', body: { version: '1.4.2' } },
});

/**
 * Runs two honest flows on the real stack (separate processes, a real nats-server) and records
 * every message they put on the bus: a low-risk staging deploy the policy approves on its own, and
 * a production change alice and bob approve with signed votes. Both execute once. The messages
 * are what the services really produce, so a redelivery test built on them needs no hand-made
 * events and follows the services when they change.
 */
export async function recordHonestFlows(): Promise<RecordedFlows> {
  const home = mkdtempSync(join(tmpdir(), 'countersign-flows-'));
  const stack = await startStack({ home, env: { COUNTERSIGN_TIMER_MS: '200' } });
  const connections: NatsConnection[] = [];
  const connect = async (user: string) => {
    const nc = await connectAs(stack, user);
    connections.push(nc);
    return nc;
  };
  try {
    const reader = await connect('provisioner');
    const auto = await submit(stack, await connect('requester-deploy-bot'), 'staging');
    const twoApprovers = await submit(stack, await connect('requester-deploy-bot'), 'production');
    const requested = await until(reader, (messages) => find(messages, EventTypes.ApprovalRequested, twoApprovers));
    const shown = requested.envelope.data as { digest: string; renderingDigest: string };
    for (const approver of ['alice', 'bob']) await vote(stack, await connect(`approver-${approver}`), approver, twoApprovers, shown);
    for (const requestId of [auto, twoApprovers]) {
      await until(reader, (messages) => find(messages, EventTypes.CredentialRevoked, requestId));
      await until(reader, (messages) => find(messages, EventTypes.CustodyVerified, requestId));
    }
    const messages = await settled(reader);
    return { home, messages, requestIds: { auto, twoApprovers }, remove: () => rmSync(home, { recursive: true, force: true }) };
  } catch (error) {
    rmSync(home, { recursive: true, force: true });
    throw error;
  } finally {
    await Promise.all(connections.map((nc) => nc.close()));
    await stack.shutdown();
  }
}

function signerFor(stack: Stack, id: string): EnvelopeSigner {
  return new EnvelopeSigner(id, loadIdentity(stack.home, id).signing);
}

async function submit(stack: Stack, nc: NatsConnection, environment: string): Promise<string> {
  const requestId = randomUUID();
  const data = { requestId, action: deploy(environment), reason: `redelivery flow (${environment})` };
  const envelope = signerFor(stack, 'requester:deploy-bot').sign({
    id: randomUUID(),
    type: EventTypes.RequestSubmitted,
    subject: requestId,
    time: new Date().toISOString(),
    data,
  });
  await nc.jetstream().publish(Subjects.submit('deploy-bot'), JSON.stringify(envelope), { msgID: envelope.id });
  return requestId;
}

async function vote(
  stack: Stack,
  nc: NatsConnection,
  approver: string,
  requestId: string,
  { digest, renderingDigest }: { digest: string; renderingDigest: string },
): Promise<void> {
  const envelope = signerFor(stack, `approver:${approver}`).sign({
    id: randomUUID(),
    type: EventTypes.VoteCast,
    subject: requestId,
    time: new Date().toISOString(),
    data: { requestId, digest, renderingDigest, decision: 'approve', reason: 'redelivery flow' },
  });
  await nc.jetstream().publish(Subjects.vote(approver), JSON.stringify(envelope), { msgID: envelope.id });
}

function find(messages: RecordedMessage[], type: string, requestId: string): RecordedMessage | undefined {
  return messages.find((message) => message.envelope.type === type && message.envelope.subject === requestId);
}

async function until<T>(reader: NatsConnection, probe: (messages: RecordedMessage[]) => T | undefined): Promise<T> {
  const deadline = Date.now() + FLOW_TIMEOUT_MS;
  for (;;) {
    const found = probe(await readBus(reader));
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error('the honest flows did not complete on the stack in time');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Waits until every service consumer has handled everything and the bus stays quiet, then reads it. */
async function settled(reader: NatsConnection): Promise<RecordedMessage[]> {
  const jsm = await reader.jetstreamManager();
  let last = '';
  for (const deadline = Date.now() + FLOW_TIMEOUT_MS; Date.now() < deadline;) {
    const infos = await Promise.all(
      (Object.keys(Consumers) as ServiceName[]).flatMap((service) =>
        Consumers[service].map((spec) => jsm.consumers.info(spec.stream, spec.durable)),
      ),
    );
    const busy = infos.some((info) => info.num_pending > 0 || info.num_ack_pending > 0);
    const sequences = JSON.stringify(
      await Promise.all(RECORDED_STREAMS.map(async (name) => (await jsm.streams.info(name)).state.last_seq)),
    );
    if (!busy && sequences === last) return readBus(reader);
    last = busy ? '' : sequences;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  throw new Error('the bus did not settle after the honest flows');
}

async function readBus(reader: NatsConnection): Promise<RecordedMessage[]> {
  const jsm = await reader.jetstreamManager();
  const messages: RecordedMessage[] = [];
  for (const stream of RECORDED_STREAMS) {
    const { state } = await jsm.streams.info(stream);
    for (let seq = state.first_seq; state.messages > 0 && seq <= state.last_seq; seq += 1) {
      const stored = await jsm.streams.getMessage(stream, { seq });
      const timestampNanos = stored.time.getTime() * 1e6;
      messages.push({ stream, seq, subject: stored.subject, data: stored.data, timestampNanos, envelope: stored.json<Envelope>() });
    }
  }
  return messages.sort((a, b) => a.timestampNanos - b.timestampNanos || a.stream.localeCompare(b.stream) || a.seq - b.seq);
}
