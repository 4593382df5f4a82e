import { context, isSpanContextValid, trace } from '@opentelemetry/api';
import { fold, type Decider, type StateCodec } from '@countersign/decider';
import { WrongExpectedRevisionError, type EventStore, type NewEvent, type StoredEvent } from '@countersign/event-store';
import type { EnvelopeSigner } from '@countersign/identity';
import { inSpan, traceMetadata } from '@countersign/messaging';
import { isLocalType, toDomainEvent, toNewEvent, type Cause, type DomainEvent } from './domain-events';
import { requestIdOfStored, RequestTraces } from './request-traces';
import { StreamSnapshots, type FoldedStream } from './stream-snapshots';
import { setMostRecent } from './recent-map';

const MAX_ATTEMPTS = 8;
/**
 * Folded states kept per decider, most recently used first. A request's streams are decided on for
 * as long as it is in flight (seconds), so 500 is many times the streams in flight at the bench's
 * load; a state evicted earlier is folded again from the store. Each costs memory (the executor's
 * evidence state about 5.6 KB, the broker's credential state about 4.1 KB): at 2,000 the caches
 * alone held 8-11 MB more in those two processes once 2,000 requests had passed.
 */
export const CACHED_STREAMS = 500;

/** Events read and folded at a time when catching up on a stream. */
const CATCH_UP_PAGE = 1_000;

/** One structured log line per decided event (see docs/operations.md, "Logs"). */
export interface DecisionLine {
  stream: string;
  eventId: string;
  eventType: string;
  requestId?: string;
  causationId: string;
}

export type DecisionLog = (line: DecisionLine) => void;

type Folder<S> = Pick<Decider<unknown, DomainEvent, S>, 'evolve' | 'initialState'>;

/** What one append wrote: the stream's revision after it and the events as stored. */
interface Appended {
  revision: number;
  events: NewEvent[];
}

/**
 * An appended event as the store would hand it back to toDomainEvent. A local type's data is
 * copied through JSON, as the store would (a signed envelope is JSON already, by construction).
 */
function asStored(event: NewEvent): StoredEvent {
  const data = isLocalType(event.type) ? (JSON.parse(JSON.stringify(event.data)) as unknown) : event.data;
  return { id: event.id, stream: '', revision: 0, position: 0, type: event.type, data, metadata: event.metadata ?? {}, recordedAt: '' };
}

/** How one run may decide; every option is off unless asked for. */
export interface RunOptions {
  /**
   * Decide on the state this runner cached for the stream, without first asking the store whether
   * another writer added to it: for a long stream that this runner alone writes in practice (audit's
   * log), where that empty read is the only store read of a decision. Still safe with another
   * writer: the append expects the cached revision, so it conflicts and the run reads and decides
   * again. Only for commands that, decided on a state that is behind, never wrongly decide nothing
   * (an idempotent record of an inbound event is: it only decides nothing for what it recorded).
   */
  fromCache?: boolean;
}

/**
 * Runs one command against one stream: read, fold, decide, append with the revision that was read.
 * A concurrent writer makes the append fail; we then decide again on the newer state, which is
 * what makes two consumers racing on one request safe. Deciders are idempotent, so a redelivered
 * message decides nothing new.
 *
 * Folded states are cached per stream (states are immutable values), so a long stream such as the
 * audit log is read from where we left off instead of from its start on every command.
 */
export class DecisionRunner {
  private readonly cache = new WeakMap<object, Map<string, FoldedStream<unknown>>>();
  private readonly traces = new RequestTraces();
  private readonly snapshots: StreamSnapshots;

  constructor(
    private readonly store: EventStore,
    private readonly signer: EnvelopeSigner,
    private readonly log: DecisionLog = () => undefined,
    warn: (message: string) => void = (message) => console.warn(message),
  ) {
    this.snapshots = new StreamSnapshots(store, store.snapshots?.(), signer, warn);
  }

  /** Keep snapshots of this decider's streams (long ones: audit's log, a requester's budget ledger), so a process that starts folds only their tail. */
  keepSnapshots<S>(decider: Folder<S>, codec: StateCodec<S>): void {
    this.snapshots.keep(decider, codec);
  }

  async load<S>(decider: Folder<S>, stream: string): Promise<S> {
    return (await this.catchUp(decider, stream)).state;
  }

  async run<C, E extends DomainEvent, S>(
    decider: Decider<C, E, S>,
    stream: string,
    command: C,
    cause: Cause,
    options: RunOptions = {},
  ): Promise<E[]> {
    for (let attempt = 1; ; attempt += 1) {
      // After a conflict, always from the store: someone else wrote the stream.
      const cached = options.fromCache && attempt === 1 ? this.cached(decider, stream) : undefined;
      const folded = cached ?? (await this.catchUp(decider, stream));
      const events = decider.decide(command, folded.state);
      if (events.length === 0) return [];
      const expected = folded.revision < 0 ? 'no_stream' : folded.revision;
      try {
        const appended = await this.append(stream, events, expected, cause);
        if (appended) this.remember(decider, stream, folded, appended);
        return events;
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError) || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }

  /**
   * Appends in a span of the request's trace (see RequestTraces.parentFor), records the span's
   * traceparent in each event's metadata for the relay to carry on, and logs one line per event.
   */
  private async append(stream: string, events: DomainEvent[], expected: number | 'no_stream', cause: Cause): Promise<Appended | undefined> {
    const requestId = events.map((event) => requestIdOfStored(event.data)).find((id) => id !== undefined);
    const active = context.active();
    const parent = this.traces.parentFor(requestId, active);
    const attributes = { 'countersign.stream': stream, ...(requestId ? { 'countersign.request_id': requestId } : {}) };
    // Joining the request's trace from another (a vote's fresh one): link back to where it came from.
    const from = parent === active ? undefined : trace.getSpanContext(active);
    const links = from && isSpanContextValid(from) ? [{ context: from }] : [];
    return inSpan(`decide ${stream.split('-')[0] ?? stream}`, parent, { attributes, links }, async (_span, ctx) => {
      const metadata = traceMetadata(ctx);
      const newEvents = events.map((event, index) => toNewEvent(event, index, stream, cause, this.signer, metadata));
      const appended = await this.store.append(stream, newEvents, expected);
      if (appended.idempotent) return undefined; // decided and logged before (a retried append)
      if (requestId && metadata.traceparent) this.traces.remember(requestId, metadata.traceparent);
      for (const event of newEvents) {
        const about = requestIdOfStored(event.data) ?? requestId;
        this.log({ stream, eventId: event.id, eventType: event.type, ...(about ? { requestId: about } : {}), causationId: cause.id });
      }
      return { revision: appended.nextExpectedRevision, events: newEvents };
    });
  }

  /**
   * Folds what we just appended into the cached state, so the next command on the stream does not
   * read back (and parse) its own events. Only when they landed right after the folded revision;
   * otherwise the next catch-up reads them as before.
   */
  private remember<S>(decider: Folder<S>, stream: string, folded: FoldedStream<S>, appended: Appended): void {
    if (appended.revision !== folded.revision + appended.events.length) return;
    const state = fold({ evolve: decider.evolve, initialState: () => folded.state }, appended.events.map(asStored).map(toDomainEvent));
    const remembered = { revision: appended.revision, eventId: appended.events.at(-1)?.id, state };
    this.cacheState(this.streamsOf(decider), stream, remembered);
    this.snapshots.saveIfDue(decider, stream, remembered);
  }

  private cached<S>(decider: Folder<S>, stream: string): FoldedStream<S> | undefined {
    return this.streamsOf(decider).get(stream) as FoldedStream<S> | undefined;
  }

  private async catchUp<S>(decider: Folder<S>, stream: string): Promise<FoldedStream<S>> {
    const streams = this.streamsOf(decider);
    const cached = (streams.get(stream) as FoldedStream<S> | undefined) ??
      (await this.snapshots.restore<S>(decider, stream)) ?? { revision: -1, state: decider.initialState() };
    // Page by page: a long stream (audit's single log is all of its history) is never held in
    // memory whole, and timers and sockets get a turn between pages.
    let folded = cached;
    for (let page = 0; ; page += 1) {
      if (page > 0) await new Promise((resolve) => setImmediate(resolve));
      const newer = await this.store.readStream(stream, { fromRevision: folded.revision + 1, maxCount: CATCH_UP_PAGE });
      if (newer.length === 0) break;
      newer.forEach((event) => this.traces.observe(event));
      const from = folded.state;
      const last = newer[newer.length - 1]!;
      folded = {
        revision: last.revision,
        eventId: last.id,
        state: fold({ evolve: decider.evolve, initialState: () => from }, newer.map(toDomainEvent)),
      };
      if (newer.length < CATCH_UP_PAGE) break;
    }
    this.cacheState(streams, stream, folded);
    this.snapshots.saveIfDue(decider, stream, folded);
    return folded;
  }

  /** Most recently used last; the least recently used goes beyond CACHED_STREAMS. */
  private cacheState(streams: Map<string, FoldedStream<unknown>>, stream: string, folded: FoldedStream<unknown>): void {
    setMostRecent(streams, stream, folded, CACHED_STREAMS);
  }

  private streamsOf(decider: object): Map<string, FoldedStream<unknown>> {
    let streams = this.cache.get(decider);
    if (!streams) this.cache.set(decider, (streams = new Map<string, FoldedStream<unknown>>()));
    return streams;
  }
}
