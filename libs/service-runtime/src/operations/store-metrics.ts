import { EventTypes, isEventType, shortEventType, type Envelope } from '@countersign/contracts';
import {
  readAllOfTypes,
  WrongExpectedRevisionError,
  type EventStore,
  type SnapshotStore,
  type StoredEvent,
} from '@countersign/event-store';
import type { EnvelopeSigner } from '@countersign/identity';
import { isOwnEnvelope } from '@countersign/messaging';
import { IndexSnapshots, type IndexedEvent, type IndexStateCodec } from '../index-snapshots';
import type { ServiceMetrics } from './metrics';
import { decodeMetricsState, emptyMetricsState, encodeMetricsState, refusalKey, type MetricsState } from './store-metrics.snapshot';

const SHORT_TYPES = new Map<string, string>();

/** `countersign.request.rejected.v1` -> `request.rejected`: short, bounded label values. */
export const shortType = (type: string): string => {
  if (!isEventType(type)) return 'unknown';
  // Known types only, so bounded: two regex replacements per message otherwise (every dispatch and append).
  let short = SHORT_TYPES.get(type);
  if (short === undefined) SHORT_TYPES.set(type, (short = shortEventType(type)));
  return short;
};

/** The event store port with its appends timed; every other call goes to the store untouched. */
export function instrumentStore(store: EventStore, metrics: ServiceMetrics): EventStore {
  const append: EventStore['append'] = async (stream, events, expected) => {
    const end = metrics.storeAppendSeconds.startTimer();
    try {
      const result = await store.append(stream, events, expected);
      end({ outcome: 'ok' });
      return result;
    } catch (error) {
      end({ outcome: error instanceof WrongExpectedRevisionError ? 'conflict' : 'error' });
      throw error;
    }
  };
  // Each method bound once, not on every read: the transport and the handlers reach the store
  // through this proxy several times per message.
  const bound = new Map<PropertyKey, { method: unknown; bound: unknown }>();
  return new Proxy(store, {
    get(target, property) {
      if (property === 'append') return append;
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      const known = bound.get(property);
      if (known?.method === value) return known.bound;
      const method = (value as (...args: unknown[]) => unknown).bind(target);
      bound.set(property, { method: value, bound: method });
      return method;
    },
  });
}

const EXECUTION_OUTCOMES: Readonly<Record<string, string>> = {
  [EventTypes.ExecutionSucceeded]: 'succeeded',
  [EventTypes.ExecutionFailed]: 'failed',
  [EventTypes.ExecutionInDoubt]: 'indoubt',
  [EventTypes.ExecutionRefused]: 'refused',
};
const REFUSALS: readonly string[] = [
  EventTypes.RequestRejected,
  EventTypes.VoteRejected,
  EventTypes.CredentialRefused,
  EventTypes.ExecutionRefused,
];
const CLOSING_APPROVAL: readonly string[] = [EventTypes.RequestApproved, EventTypes.RequestDenied, EventTypes.RequestExpired];

/**
 * Every type `apply` counts: the store reads only these, so a start with a long history parses few
 * rows. (Not audit's records, most of its store: audit sets the chain's length from its log's state.)
 */
export const PROJECTED_TYPES: readonly string[] = [
  ...new Set([
    ...Object.keys(EXECUTION_OUTCOMES),
    ...REFUSALS,
    ...CLOSING_APPROVAL,
    EventTypes.AuditViolation,
    EventTypes.CredentialIssued,
    EventTypes.CredentialRevoked,
    EventTypes.ApprovalRequested,
    EventTypes.VoteRecorded,
  ]),
];

type Data = Record<string, unknown>;
const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/** Store positions read per page when the projection catches up. */
const PAGE = 1_000;

/** Where the projection's state is written down (IndexSnapshots), and by whom. */
export interface MetricsSnapshots {
  snapshots: SnapshotStore;
  signer: EnvelopeSigner;
  log: { log(message: string): void; warn(message: string): void };
}

/** The projection's snapshot in the store's snapshot table (one per store: every service runs one projection). */
export const METRICS_INDEX = '$index-metrics';

/**
 * The business gauges and counters, read from the service's own store: it reads the store from
 * its start (like the relay) and looks only at envelopes this service signed, so a copy of another
 * service's event (the executor's evidence) is never counted twice. Counters therefore count since
 * the store began, not since the process did; Prometheus' rate() does not mind either way.
 *
 * It reads once at start and then at each scrape, from where it left off: metrics are only looked
 * at when scraped, so it does not follow the store live (a live subscription would be woken, and
 * read a page, on every commit of the hot path).
 *
 * Given a snapshot store, its state (counts included) is written down every INDEX_SAVE_EVERY
 * projected events (at most once a minute) and at each stop, and a start goes on from there
 * (IndexSnapshots) instead of reading the store's whole history again.
 */
export class StoreMetricsProjection {
  private state: MetricsState = emptyMetricsState();
  private position = -1;
  /** The last projected event read: where a snapshot is taken. */
  private lastRead: IndexedEvent | undefined;
  private reading: Promise<void> | undefined;
  private stopped = false;
  private readonly snapshots: IndexSnapshots<MetricsState> | undefined;
  private readonly codec: IndexStateCodec<MetricsState> = {
    name: METRICS_INDEX,
    version: 1,
    capture: () => encodeMetricsState(this.state),
    decode: decodeMetricsState,
    adopt: (state) => this.adopt(state),
  };
  private restoring: Promise<void> | undefined;

  constructor(
    private readonly store: EventStore,
    private readonly identity: string,
    private readonly metrics: ServiceMetrics,
    private readonly clock: () => Date,
    private readonly onError: (error: unknown) => void,
    kept?: MetricsSnapshots,
  ) {
    if (kept) this.snapshots = new IndexSnapshots(store, kept.snapshots, kept.signer, this.codec, PROJECTED_TYPES, kept.log);
  }

  /** A restored state, its counts added to the counters (which start at zero in a new process). */
  private adopt(state: MetricsState): void {
    this.state = state;
    for (const [outcome, count] of state.executions) this.metrics.executions.inc({ outcome }, count);
    for (const { type, reason, count } of state.refused.values()) this.metrics.messagesRefused.inc({ type, reason }, count);
    this.metrics.custodyViolations.inc(state.violations);
  }

  start(): void {
    void this.catchUp();
    this.metrics.onScrape(async () => {
      await this.catchUp();
      this.refresh();
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.reading;
    this.snapshots?.save(this.lastRead);
  }

  /** Applies everything stored since the last read; one read at a time, errors to `onError`. */
  catchUp(): Promise<void> {
    this.reading ??= this.readToHead()
      .catch((error: unknown) => this.onError(error))
      .finally(() => (this.reading = undefined));
    return this.reading;
  }

  private async readToHead(): Promise<void> {
    await (this.restoring ??= this.restore());
    while (!this.stopped) {
      const page = await readAllOfTypes(this.store, this.position, PAGE, { types: PROJECTED_TYPES });
      for (const event of page.events) {
        this.apply(event);
        // Moved with each event, so a page that fails half-way is not applied twice when read again.
        this.position = event.position;
        this.lastRead = { position: event.position, id: event.id };
        this.snapshots?.indexedOne(this.lastRead);
      }
      this.position = page.until;
      if (page.end) return;
      // A long history is read in pages with a turn of the event loop between them.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** At the first read only: the state written down at the last stop or save, if it may be used. */
  private async restore(): Promise<void> {
    const restored = await this.snapshots?.restore();
    if (!restored) return;
    this.codec.adopt(restored.state);
    this.position = restored.from.position;
    this.lastRead = restored.from;
  }

  apply(event: StoredEvent): void {
    if (!isOwnEnvelope(event.data, this.identity)) return;
    const envelope = event.data as Envelope<Data>;
    const { type, data } = envelope;
    const outcome = EXECUTION_OUTCOMES[type];
    if (outcome) {
      this.state.executions.set(outcome, (this.state.executions.get(outcome) ?? 0) + 1);
      this.metrics.executions.inc({ outcome });
    }
    if (REFUSALS.includes(type)) this.countRefusal(shortType(type), reasonOf(type, data));
    if (type === EventTypes.AuditViolation) {
      this.state.violations += 1;
      this.metrics.custodyViolations.inc();
    }
    const { credentials } = this.state;
    if (type === EventTypes.CredentialIssued) credentials.set(text(data.credentialId), Date.parse(text(data.expiresAt)));
    if (type === EventTypes.CredentialRevoked) credentials.delete(text(data.credentialId));
    this.applyApproval(type, data, envelope.time);
  }

  private countRefusal(type: string, reason: string): void {
    const key = refusalKey(type, reason);
    const counted = this.state.refused.get(key) ?? { type, reason, count: 0 };
    counted.count += 1;
    this.state.refused.set(key, counted);
    this.metrics.messagesRefused.inc({ type, reason });
  }

  private applyApproval(type: string, data: Data, time: string): void {
    const requestId = text(data.requestId);
    const { approvals, tiers } = this.state;
    if (type === EventTypes.ApprovalRequested) {
      const tier = text((data.policy as Data | undefined)?.tier) || 'unknown';
      tiers.add(tier);
      approvals.set(requestId, { tier, requestedAt: Date.parse(time), expiresAt: Date.parse(text(data.expiresAt)), votes: 0 });
    }
    const pending = approvals.get(requestId);
    if (type === EventTypes.VoteRecorded && pending) pending.votes += 1;
    if (CLOSING_APPROVAL.includes(type)) approvals.delete(requestId);
  }

  /** Scrape time: the gauges that depend on the clock. */
  refresh(): void {
    const now = this.clock().getTime();
    const { credentials, approvals, tiers } = this.state;
    for (const [id, expiresAt] of credentials) if (!(expiresAt > now)) credentials.delete(id);
    this.metrics.credentialsLive.set(credentials.size);
    const { approvalsPending, approvalsOldestAge, approvalsUnvotedExpiry } = this.metrics;
    approvalsUnvotedExpiry.reset();
    for (const tier of tiers) {
      const waiting = [...approvals.values()].filter((approval) => approval.tier === tier);
      approvalsPending.set({ tier }, waiting.length);
      const oldest = Math.min(...waiting.map((approval) => approval.requestedAt));
      approvalsOldestAge.set({ tier }, waiting.length ? Math.max(0, (now - oldest) / 1_000) : 0);
      const unvoted = waiting.filter((approval) => approval.votes === 0).map((approval) => approval.expiresAt);
      if (unvoted.length) approvalsUnvotedExpiry.set({ tier }, (Math.min(...unvoted) - now) / 1_000);
    }
  }
}

function reasonOf(type: string, data: Data): string {
  if (type === EventTypes.RequestRejected) {
    const first = (data.errors as Array<{ code?: unknown }> | undefined)?.[0];
    return text(first?.code) || 'unknown';
  }
  return text(data.code) || 'unknown';
}
