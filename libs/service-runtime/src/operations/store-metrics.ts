import { EventTypes, isEventType, shortEventType, type Envelope } from '@countersign/contracts';
import { readAllOfTypes, WrongExpectedRevisionError, type EventStore, type StoredEvent } from '@countersign/event-store';
import { isOwnEnvelope } from '@countersign/messaging';
import type { ServiceMetrics } from './metrics';

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

interface PendingApproval {
  tier: string;
  requestedAt: number;
  expiresAt: number;
  votes: number;
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

/**
 * The business gauges and counters, read from the service's own store: it reads the store from
 * its start (like the relay) and looks only at envelopes this service signed, so a copy of another
 * service's event (the executor's evidence) is never counted twice. Counters therefore count since
 * the store began, not since the process did; Prometheus' rate() does not mind either way.
 *
 * It reads once at start and then at each scrape, from where it left off: metrics are only looked
 * at when scraped, so it does not follow the store live (a live subscription would be woken, and
 * read a page, on every commit of the hot path).
 */
export class StoreMetricsProjection {
  private readonly approvals = new Map<string, PendingApproval>();
  private readonly tiers = new Set<string>();
  private readonly credentials = new Map<string, number>();
  private position = -1;
  private reading: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly store: EventStore,
    private readonly identity: string,
    private readonly metrics: ServiceMetrics,
    private readonly clock: () => Date,
    private readonly onError: (error: unknown) => void,
  ) {}

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
  }

  /** Applies everything stored since the last read; one read at a time, errors to `onError`. */
  catchUp(): Promise<void> {
    this.reading ??= this.readToHead()
      .catch((error: unknown) => this.onError(error))
      .finally(() => (this.reading = undefined));
    return this.reading;
  }

  private async readToHead(): Promise<void> {
    while (!this.stopped) {
      const page = await readAllOfTypes(this.store, this.position, PAGE, { types: PROJECTED_TYPES });
      for (const event of page.events) this.apply(event);
      this.position = page.until;
      if (page.end) return;
      // A long history is read in pages with a turn of the event loop between them.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  apply(event: StoredEvent): void {
    if (!isOwnEnvelope(event.data, this.identity)) return;
    const envelope = event.data as Envelope<Data>;
    const { type, data } = envelope;
    const outcome = EXECUTION_OUTCOMES[type];
    if (outcome) this.metrics.executions.inc({ outcome });
    if (REFUSALS.includes(type)) this.metrics.messagesRefused.inc({ type: shortType(type), reason: reasonOf(type, data) });
    if (type === EventTypes.AuditViolation) this.metrics.custodyViolations.inc();
    if (type === EventTypes.CredentialIssued) this.credentials.set(text(data.credentialId), Date.parse(text(data.expiresAt)));
    if (type === EventTypes.CredentialRevoked) this.credentials.delete(text(data.credentialId));
    this.applyApproval(type, data, envelope.time);
  }

  private applyApproval(type: string, data: Data, time: string): void {
    const requestId = text(data.requestId);
    if (type === EventTypes.ApprovalRequested) {
      const tier = text((data.policy as Data | undefined)?.tier) || 'unknown';
      this.tiers.add(tier);
      this.approvals.set(requestId, { tier, requestedAt: Date.parse(time), expiresAt: Date.parse(text(data.expiresAt)), votes: 0 });
    }
    const pending = this.approvals.get(requestId);
    if (type === EventTypes.VoteRecorded && pending) pending.votes += 1;
    if (CLOSING_APPROVAL.includes(type)) this.approvals.delete(requestId);
  }

  /** Scrape time: the gauges that depend on the clock. */
  refresh(): void {
    const now = this.clock().getTime();
    for (const [id, expiresAt] of this.credentials) if (!(expiresAt > now)) this.credentials.delete(id);
    this.metrics.credentialsLive.set(this.credentials.size);
    const { approvalsPending, approvalsOldestAge, approvalsUnvotedExpiry } = this.metrics;
    approvalsUnvotedExpiry.reset();
    for (const tier of this.tiers) {
      const waiting = [...this.approvals.values()].filter((approval) => approval.tier === tier);
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
