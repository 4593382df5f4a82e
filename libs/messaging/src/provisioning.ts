import type { ConsumerSpec, StreamSpec } from '@countersign/contracts';
import { MAX_ENVELOPE_BYTES } from '@countersign/contracts';
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  NatsError,
  ReplayPolicy,
  RetentionPolicy,
  StorageType,
  nanos,
  type ConsumerConfig,
  type JetStreamManager,
  type NatsConnection,
  type StreamConfig,
} from 'nats';

export interface JetStreamSettings {
  /** 1 on a single local server; 3 (5 for audit if affordable) in deployment. */
  replicas: number;
  /** Must outlast the relay's longest retry horizon, or a retried publish is stored twice. */
  duplicateWindowMs: number;
  maxMsgSize: number;
  ackWaitMs: number;
  /**
   * The server-side delivery cap. Unlimited (-1) by default: the transport enforces its own
   * `maxDeliver` and dead-letters, whereas a server cap parks the message with only an advisory,
   * which would lose it whenever the final dead-lettering attempt itself failed.
   */
  serverMaxDeliver: number;
  /** Explicit, because the default (1000) silently stalls a consumer once reached. */
  maxAckPending: number;
}

/** Room for the PubAck headers and Nats-Msg-Id on top of the largest envelope we accept. */
const ENVELOPE_SLACK_BYTES = 16 * 1024;

export const DEFAULT_JETSTREAM_SETTINGS: JetStreamSettings = {
  replicas: 1,
  duplicateWindowMs: 15 * 60_000,
  maxMsgSize: MAX_ENVELOPE_BYTES + ENVELOPE_SLACK_BYTES,
  ackWaitMs: 30_000,
  serverMaxDeliver: -1,
  maxAckPending: 1_000,
};

export interface ConfigDrift {
  /** `stream CS_AUDIT` or `consumer CS_EVENTS/audit-events`. */
  resource: string;
  field: string;
  expected: unknown;
  actual: unknown;
}

export interface ProvisioningReport {
  created: string[];
  unchanged: string[];
  /** Existing resources whose configuration differs; they are left untouched for a human to judge. */
  drifts: ConfigDrift[];
  /** Durables another consumer took over (ConsumerSpec.replaces), deleted once every consumer exists. */
  deleted: string[];
}

export interface ProvisioningPlan {
  streams: StreamSpec[];
  consumers: ConsumerSpec[];
  settings?: Partial<JetStreamSettings>;
}

export function streamConfigFor(spec: StreamSpec, settings: JetStreamSettings): Partial<StreamConfig> {
  return {
    name: spec.name,
    subjects: [...spec.subjects],
    description: spec.description,
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    num_replicas: settings.replicas,
    max_msg_size: settings.maxMsgSize,
    duplicate_window: nanos(settings.duplicateWindowMs),
    deny_delete: spec.immutable,
    deny_purge: spec.immutable,
    allow_rollup_hdrs: false,
  };
}

export function consumerConfigFor(spec: ConsumerSpec, settings: JetStreamSettings): Partial<ConsumerConfig> {
  return {
    durable_name: spec.durable,
    filter_subject: spec.filterSubject,
    ack_policy: AckPolicy.Explicit,
    ack_wait: nanos(settings.ackWaitMs),
    max_deliver: settings.serverMaxDeliver,
    max_ack_pending: settings.maxAckPending,
    deliver_policy: DeliverPolicy.All,
    replay_policy: ReplayPolicy.Instant,
    // Stated, not inherited: a consumer's state (acks, redeliveries) must survive a node as its stream does.
    num_replicas: settings.replicas,
  };
}

/**
 * The control-plane start-up step, run with the provisioner's connection (services are not allowed
 * to create or change streams). Creates what is missing, reports what differs, never updates or
 * purges: changing a live stream is a decision, not a side effect of starting up. The one deletion
 * is of a durable a consumer spec says it replaces, and only once every consumer in the plan exists.
 */
export async function provisionJetStream(nc: NatsConnection, plan: ProvisioningPlan): Promise<ProvisioningReport> {
  const settings = { ...DEFAULT_JETSTREAM_SETTINGS, ...plan.settings };
  const jsm = await nc.jetstreamManager();
  const report: ProvisioningReport = { created: [], unchanged: [], drifts: [], deleted: [] };
  for (const spec of plan.streams) {
    await ensure(report, `stream ${spec.name}`, streamConfigFor(spec, settings), {
      read: async () => (await jsm.streams.info(spec.name)).config,
      create: async (config) => void (await jsm.streams.add(config)),
    });
  }
  for (const spec of plan.consumers) {
    await ensureConsumer(jsm, report, spec, settings);
  }
  // Not before: should a creation above fail, the replaced durables keep their positions for the next run.
  await deleteReplaced(jsm, report, plan.consumers);
  return report;
}

function ensureConsumer(jsm: JetStreamManager, report: ProvisioningReport, spec: ConsumerSpec, settings: JetStreamSettings) {
  return ensure(report, `consumer ${spec.stream}/${spec.durable}`, consumerConfigFor(spec, settings), {
    read: async () => asProvisioned(spec, (await jsm.consumers.info(spec.stream, spec.durable)).config),
    create: async (config) => void (await jsm.consumers.add(spec.stream, { ...config, ...(await startAfterReplaced(jsm, spec)) })),
  });
}

/**
 * A consumer that takes over replaced durables starts after the lowest of their ack floors, not at
 * the stream's beginning: what they acknowledged is not delivered again (on a stream that keeps
 * everything, that would be its whole history), what they had not is. A message acked above a
 * floor, out of order, is delivered again; the consumers' replay guards are there for that.
 */
async function startAfterReplaced(jsm: JetStreamManager, spec: ConsumerSpec): Promise<Partial<ConsumerConfig>> {
  const floors: number[] = [];
  for (const durable of spec.replaces ?? []) {
    const info = await readIfExists(() => jsm.consumers.info(spec.stream, durable));
    if (info) floors.push(info.ack_floor.stream_seq);
  }
  if (floors.length === 0) return {};
  return { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: Math.min(...floors) + 1 };
}

/** Where a successor started is decided once, at its creation: not drift. */
function asProvisioned(spec: ConsumerSpec, actual: ConsumerConfig): ConsumerConfig {
  const tookOver = (spec.replaces?.length ?? 0) > 0 && actual.deliver_policy === DeliverPolicy.StartSequence;
  return tookOver ? { ...actual, deliver_policy: DeliverPolicy.All } : actual;
}

async function deleteReplaced(jsm: JetStreamManager, report: ProvisioningReport, consumers: ConsumerSpec[]) {
  const planned = new Set(consumers.map((spec) => `consumer ${spec.stream}/${spec.durable}`));
  for (const spec of consumers) {
    for (const durable of spec.replaces ?? []) {
      const name = `consumer ${spec.stream}/${durable}`;
      if (planned.has(name) || report.deleted.includes(name)) continue;
      try {
        await jsm.consumers.delete(spec.stream, durable);
        report.deleted.push(name);
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    }
  }
}

interface Resource<C> {
  read(): Promise<C>;
  create(config: Partial<C>): Promise<void>;
}

async function ensure<C extends object>(report: ProvisioningReport, name: string, desired: Partial<C>, resource: Resource<C>) {
  const actual = await readIfExists(() => resource.read());
  if (actual === undefined) {
    await resource.create(desired);
    report.created.push(name);
    return;
  }
  const drifts = diffConfig(name, desired, actual);
  if (drifts.length === 0) report.unchanged.push(name);
  report.drifts.push(...drifts);
}

async function readIfExists<C>(read: () => Promise<C>): Promise<C | undefined> {
  try {
    return await read();
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** Compares only the fields we set; the server fills in many more that are not ours to judge. */
export function diffConfig<C extends object>(resource: string, desired: Partial<C>, actual: C): ConfigDrift[] {
  const drifts: ConfigDrift[] = [];
  for (const [field, expected] of Object.entries(desired)) {
    const found = (actual as Record<string, unknown>)[field];
    if (field === 'num_replicas' && inheritsReplicas(resource, found)) continue;
    if (!sameValue(expected, found)) drifts.push({ resource, field, expected, actual: found });
  }
  // A push consumer under a pull consumer's name would silently never be pulled.
  const deliverSubject = (actual as { deliver_subject?: string }).deliver_subject;
  if (resource.startsWith('consumer') && deliverSubject) {
    drifts.push({ resource, field: 'deliver_subject', expected: undefined, actual: deliverSubject });
  }
  return drifts;
}

/**
 * A consumer created before replicas were stated reports 0: it has its stream's replicas, and the
 * stream's own count is checked as a drift of its own.
 */
function inheritsReplicas(resource: string, actual: unknown): boolean {
  return resource.startsWith('consumer') && (actual === 0 || actual === undefined);
}

function sameValue(expected: unknown, actual: unknown): boolean {
  if (Array.isArray(expected) && Array.isArray(actual)) {
    const sorted = (values: unknown[]) => JSON.stringify(values.map(String).sort());
    return sorted(expected as unknown[]) === sorted(actual as unknown[]);
  }
  if (expected === false && actual === undefined) return true; // the server omits false booleans
  if (expected === '' && actual === undefined) return true;
  return expected === actual;
}

/** 10059 stream not found, 10014 consumer not found. */
function isNotFound(error: unknown): boolean {
  if (!(error instanceof NatsError)) return false;
  const code = error.api_error?.err_code;
  return code === 10059 || code === 10014;
}
