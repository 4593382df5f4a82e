import { WrongExpectedVersionError, type AppendStreamState, type EventData, type Position } from '@kurrent/kurrentdb-client';
import { randomUUID } from 'node:crypto';

/*
 * The server side of the fake KurrentDB client (kurrentdb-fake-client.ts): streams, the $all log
 * and the append rules of the real server, as far as a client can observe them. Every rule cites
 * where the client shows it; the server's own rules are described from KurrentDB's behaviour.
 */

/** An event as the server keeps it: bytes, like the log (the client decodes on the way out). */
export interface FakeRecord {
  streamId: string;
  id: string;
  type: string;
  isJson: boolean;
  revision: bigint;
  created: number;
  data: Uint8Array;
  metadata: Uint8Array;
  position: Position;
}

export interface FakeAppendResult {
  success: true;
  nextExpectedRevision: bigint;
  /** Undefined when the server deduplicated the write (dist/streams/appendToStream/append.js). */
  position: Position | undefined;
}

/** How many recent ids the server remembers for `any` / `stream_exists` idempotency (bounded). */
const RECENT_IDS = 64;
/** Commit positions grow by more than one per event: they are log offsets, not counters. */
const POSITION_STEP = 117n;

/**
 * The server parses ids as GUIDs: it takes any case, with or without dashes, and hands them back
 * lower-case with dashes (the client only passes the string on: dist/utils/grpcUUID.js).
 */
export function serverGuid(id: string): string | undefined {
  const inner = id.startsWith('{') && id.endsWith('}') ? id.slice(1, -1) : id;
  const dashed = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(inner);
  const bare = inner === id && /^[0-9a-f]{32}$/i.test(inner);
  if (!dashed && !bare) return undefined;
  const hex = inner.replace(/-/g, '').toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const encode = (value: unknown): Uint8Array => Buffer.from(JSON.stringify(value), 'utf8');

export class FakeKurrentServer {
  readonly log: FakeRecord[] = [];
  private readonly streams = new Map<string, FakeRecord[]>();
  private readonly recentIds: Array<{ id: string; stream: string; revision: bigint }> = [];
  private readonly listeners = new Set<(record: FakeRecord) => void>();
  private nextCommit = 1_000n;

  events(stream: string): FakeRecord[] {
    return this.streams.get(stream) ?? [];
  }

  onAppended(listener: (record: FakeRecord) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * The server's append: the expected state is checked against the stream; an expected revision
   * behind the stream's is a retry when the events right after it carry the same ids, and a
   * conflict otherwise; `any` / `stream_exists` are deduplicated only against recently written
   * ids. A deduplicated write succeeds without a position.
   */
  append(stream: string, events: EventData[], state: AppendStreamState): FakeAppendResult {
    const ids = events.map((event) => serverGuid(event.id));
    if (ids.some((id) => id === undefined)) {
      // The server refuses an id it cannot parse as a GUID (the exact gRPC error is not pinned here;
      // the adapter refuses such ids before sending them).
      throw Object.assign(new Error('Invalid event id: not a GUID'), { code: 3 });
    }
    const existing = this.events(stream);
    const current = existing.length - 1;
    const retry = this.idempotentCopy(stream, existing, ids as string[], state);
    if (retry === 'conflict' || (retry === undefined && !stateMatches(state, current))) {
      throw new WrongExpectedVersionError(undefined, {
        streamName: stream,
        expected: state,
        current: current < 0 ? 'no_stream' : BigInt(current),
      });
    }
    if (retry !== undefined) return { success: true, nextExpectedRevision: retry, position: undefined };
    const written = events.map((event, index) => this.write(stream, ids[index] as string, event));
    const first = written[0];
    return {
      success: true,
      nextExpectedRevision: BigInt(current + events.length),
      // For several events the reply carries one position for the write, not the last event's.
      position: first ? { ...first.position } : undefined,
    };
  }

  /** Something else writes here: a `$` stream, a binary event, a link. Used by tests. */
  appendRaw(stream: string, record: { type: string; data: unknown; isJson?: boolean; metadata?: unknown }): FakeRecord {
    const isJson = record.isJson ?? !(record.data instanceof Uint8Array);
    const data = record.data instanceof Uint8Array ? record.data : encode(record.data);
    const event = { id: randomUUID(), type: record.type, contentType: isJson ? 'application/json' : 'application/octet-stream' };
    return this.writeBytes(
      stream,
      event.id,
      event.type,
      isJson,
      data,
      record.metadata === undefined ? new Uint8Array() : encode(record.metadata),
    );
  }

  private write(stream: string, id: string, event: EventData): FakeRecord {
    // The client serialises JSON data and metadata itself (dist/streams/appendToStream/append.js).
    const isJson = event.contentType === 'application/json';
    const data = isJson ? encode(event.data) : event.data;
    const metadata =
      event.metadata === undefined ? new Uint8Array() : event.metadata instanceof Uint8Array ? event.metadata : encode(event.metadata);
    return this.writeBytes(stream, id, event.type, isJson, data, metadata);
  }

  private writeBytes(stream: string, id: string, type: string, isJson: boolean, data: Uint8Array, metadata: Uint8Array): FakeRecord {
    const existing = this.events(stream);
    const commit = this.nextCommit;
    this.nextCommit += POSITION_STEP;
    const record: FakeRecord = {
      streamId: stream,
      id,
      type,
      isJson,
      revision: BigInt(existing.length),
      created: Date.now(),
      data,
      metadata,
      position: { commit, prepare: commit },
    };
    this.streams.set(stream, [...existing, record]);
    this.log.push(record);
    this.recentIds.push({ id, stream, revision: record.revision });
    if (this.recentIds.length > RECENT_IDS) this.recentIds.shift();
    for (const listener of [...this.listeners]) listener(record);
    return record;
  }

  /** The revision of an earlier identical write, 'conflict' for a partial one, undefined if none. */
  private idempotentCopy(stream: string, existing: FakeRecord[], ids: string[], state: AppendStreamState): bigint | 'conflict' | undefined {
    if (typeof state === 'bigint' || state === 'no_stream') {
      const after = typeof state === 'bigint' ? Number(state) + 1 : 0;
      if (after >= existing.length) return undefined;
      const copy = existing.slice(after, after + ids.length);
      if (copy[0]?.id !== ids[0]) return undefined;
      const same = copy.length === ids.length && copy.every((record, index) => record.id === ids[index]);
      return same ? (copy[copy.length - 1] as FakeRecord).revision : 'conflict';
    }
    const recent = ids.map((id) => this.recentIds.find((entry) => entry.id === id && entry.stream === stream));
    if (recent.every((entry) => entry === undefined)) return undefined;
    const first = recent[0];
    const same = first !== undefined && recent.every((entry, index) => entry?.revision === first.revision + BigInt(index));
    return same ? (recent[recent.length - 1] as { revision: bigint }).revision : 'conflict';
  }
}

function stateMatches(state: AppendStreamState, current: number): boolean {
  if (state === 'any') return true;
  if (state === 'no_stream') return current < 0;
  if (state === 'stream_exists') return current >= 0;
  return BigInt(current) === state;
}
