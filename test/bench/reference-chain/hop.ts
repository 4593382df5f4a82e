import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { connect, type JsMsg, type JetStreamClient } from 'nats';
import { canonicalJson, EventTypes, type ServiceName } from '@countersign/contracts';
import { RefSigner, RefVerifier, type KeyFile, type RefEnvelope } from './envelope';
import { AUDIT_EXTRA, consumersOf, HOPS, NOTIFY_OUTCOME, referenceSubject, type Rule } from './flow';

/**
 * One hop of the reference chain: a plain Node process, no framework. It pulls from its durable
 * consumers, verifies each delivery's Ed25519 signature, appends what it decided to its own SQLite
 * file (WAL, synchronous = FULL, the project's settings) in one transaction per batch of deliveries
 * (the inbound events it needs are kept in the same transaction, as their seen-markers), publishes
 * every new event with an awaited PubAck, and only then acks. This is the practical limit of the
 * architecture the bench compares the pipeline with.
 */
export interface ChainConfig {
  natsUrl: string;
  dir: string;
  requester: string;
  keys: Record<string, KeyFile>;
}

const [configPath, serviceArg] = process.argv.slice(2);
const config = JSON.parse(readFileSync(configPath!, 'utf8')) as ChainConfig;
const service = serviceArg as ServiceName;
const identity = `service:${service}`;
const signer = new RefSigner(identity, config.keys[identity]!);
const verifier = new RefVerifier(config.keys);

const db = new Database(join(config.dir, `${service}.sqlite`));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.exec(`CREATE TABLE IF NOT EXISTS events (
  position INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, stream TEXT NOT NULL,
  revision INTEGER NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL, metadata TEXT NOT NULL,
  recorded_at TEXT NOT NULL, UNIQUE (stream, revision))`);
const insert = db.prepare(
  'INSERT OR IGNORE INTO events (id, stream, revision, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
);

interface Row {
  stream: string;
  envelope: RefEnvelope;
}
const revisions = new Map<string, number>();
const appendRows = db.transaction((rows: Row[]) => {
  const at = new Date().toISOString();
  for (const { stream, envelope } of rows) {
    const revision = (revisions.get(stream) ?? -1) + 1;
    revisions.set(stream, revision);
    insert.run(envelope.id, stream, revision, envelope.type, JSON.stringify(envelope), '{}', at);
  }
});

/** Per request: the types that arrived and the rules that fired; forgotten once every rule fired. */
const requests = new Map<string, { have: Set<string>; fired: Set<number> }>();
const rules: Rule[] = HOPS.find((hop) => hop.service === service)?.rules ?? [];
let chainHead = { sequence: -1, hash: '0'.repeat(64) };

function decide(inbound: RefEnvelope): { keep: boolean; stages: RefEnvelope[][] } {
  if (service === 'audit') return audit(inbound);
  const requestId = inbound.subject;
  const state = requests.get(requestId) ?? { have: new Set<string>(), fired: new Set<number>() };
  if (!rules.some((rule) => rule.on.includes(inbound.type))) return { keep: false, stages: [] };
  state.have.add(inbound.type);
  requests.set(requestId, state);
  const stages: RefEnvelope[][] = [];
  rules.forEach((rule, index) => {
    if (state.fired.has(index) || !rule.on.every((type) => state.have.has(type))) return;
    state.fired.add(index);
    rule.emit.forEach((types, stage) => {
      stages[stage] = [...(stages[stage] ?? []), ...types.map((type) => emit(type, requestId, inbound, rule))];
    });
  });
  if (state.fired.size === rules.length) requests.delete(requestId);
  return { keep: true, stages };
}

function emit(type: string, requestId: string, cause: RefEnvelope, rule: Rule): RefEnvelope {
  const data: Record<string, unknown> = { requestId, causationId: cause.id };
  if (type === EventTypes.RequestAccepted) data.submission = cause;
  if (type === EventTypes.RequesterNotified) {
    Object.assign(data, { requester: `requester:${config.requester}`, outcome: NOTIFY_OUTCOME[rule.on[0]!] });
  }
  return signer.sign(type, requestId, data);
}

function audit(inbound: RefEnvelope): { keep: boolean; stages: RefEnvelope[][] } {
  if (inbound.signer === identity) return { keep: false, stages: [] };
  const unhashed = { sequence: chainHead.sequence + 1, previousHash: chainHead.hash, event: inbound };
  const hash = createHash('sha256').update(canonicalJson(unhashed)).digest('hex');
  chainHead = { sequence: unhashed.sequence, hash };
  const record = signer.sign(EventTypes.AuditRecord, inbound.subject, { ...unhashed, hash });
  const extras = (AUDIT_EXTRA[inbound.type] ?? []).map((type) =>
    signer.sign(type, inbound.subject, { requestId: inbound.subject, eventId: inbound.id, sequence: unhashed.sequence, hash }),
  );
  return { keep: false, stages: [[record, ...extras]] };
}

async function publishAll(js: JetStreamClient, envelopes: RefEnvelope[]): Promise<void> {
  await Promise.all(
    envelopes.map((envelope) =>
      js.publish(referenceSubject(service, envelope.type, config.requester), JSON.stringify(envelope), { msgID: envelope.id }),
    ),
  );
}

async function processBatch(js: JetStreamClient, batch: JsMsg[]): Promise<void> {
  const kept: Row[] = [];
  const stages: RefEnvelope[][] = [];
  const settled: JsMsg[] = [];
  for (const msg of batch) {
    let inbound: RefEnvelope;
    try {
      inbound = verifier.verify(msg.data);
    } catch {
      msg.term();
      continue;
    }
    const decision = decide(inbound);
    if (decision.keep) kept.push({ stream: `request-${inbound.subject}`, envelope: inbound });
    decision.stages.forEach((envelopes, stage) => (stages[stage] = [...(stages[stage] ?? []), ...envelopes]));
    settled.push(msg);
  }
  const streamOf = (envelope: RefEnvelope) => (service === 'audit' ? 'audit-log' : `request-${envelope.subject}`);
  for (let stage = 0; stage < Math.max(1, stages.length); stage += 1) {
    const envelopes = stages[stage] ?? [];
    const rows = [...(stage === 0 ? kept : []), ...envelopes.map((envelope) => ({ stream: streamOf(envelope), envelope }))];
    if (rows.length > 0) appendRows(rows);
    await publishAll(js, envelopes);
  }
  for (const msg of settled) msg.ack();
}

async function main(): Promise<void> {
  const nc = await connect({ servers: config.natsUrl, noAsyncTraces: true });
  const js = nc.jetstream();
  const queue: JsMsg[] = [];
  let wake: (() => void) | undefined;
  for (const spec of consumersOf(service)) {
    const consumer = await js.consumers.get(spec.stream, spec.durable);
    const messages = await consumer.consume({ max_messages: 256 });
    void (async () => {
      for await (const msg of messages) {
        queue.push(msg);
        wake?.();
      }
    })();
  }
  console.log(`REFERENCE_READY ${service}`);
  for (;;) {
    if (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
    wake = undefined;
    await processBatch(js, queue.splice(0));
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
