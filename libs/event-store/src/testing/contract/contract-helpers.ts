export { waitFor } from '@countersign/testing';
import { randomUUID } from 'node:crypto';
import type { CheckpointStore, EventStore, NewEvent, StoredEvent, UnreadableEvent } from '../../port';

/** Writes what only something other than the port can write into the store under test. */
export interface ForeignWriter {
  /** An event in a `$` stream whose type does not start with `$` (like a `$settings` update). */
  systemStreamEvent(): Promise<void>;
  /** An event in `stream` (one of the port's names) whose data is not JSON. */
  nonJsonEvent(stream: string): Promise<void>;
}

/** What a contract run needs: a fresh store, its checkpoints and a way to throw both away. */
export interface EventStoreUnderTest {
  store: EventStore;
  checkpoints: CheckpointStore;
  cleanup: () => Promise<void>;
  /** What the store reported through its `onUnreadable` option, in order. */
  unreadable: UnreadableEvent[];
  /** Present when the run can write foreign events (see ContractCapabilities). */
  foreign?: ForeignWriter;
  /** Present when the run can break the store: reads from now on fail part-way. */
  breakReads?: () => void;
}

/**
 * What a run can do beyond the port, known when the suite is defined: a case that needs what a run
 * cannot do is reported as skipped with the reason, never as passed.
 */
export interface ContractCapabilities {
  foreign?: string | true;
  faults?: string | true;
}

/** Gives each test the store under test; `get()` is only valid inside a test. */
export interface ContractContext {
  get(): EventStoreUnderTest;
  capabilities: ContractCapabilities;
}

/** `it`, or `it.skip` with the reason in its name when the run lacks `capability`. */
export function itWhen(
  context: ContractContext,
  capability: keyof ContractCapabilities,
): (name: string, test: () => Promise<void>, timeout?: number) => void {
  const available = context.capabilities[capability];
  if (available === true) return (name, test, timeout) => it(name, test, timeout);
  const reason = available ?? `this run cannot provide ${capability}`;
  return (name, test, timeout) => it.skip(`${name} — skipped: ${reason}`, test, timeout);
}

/**
 * Unique stream names, so the suite also runs against a shared server that already holds other
 * events (KurrentDB): every assertion looks only at the streams its test created.
 */
export function streamName(label: string): string {
  return `contract_${label}-${randomUUID().replace(/-/g, '')}`;
}

/** Event ids are UUIDs: the port requires them (KurrentDB would refuse anything else). */
export function newEvent(data: unknown = { n: 1 }, metadata?: Record<string, unknown>): NewEvent {
  return { id: randomUUID(), type: 'contract.tested.v1', data, ...(metadata ? { metadata } : {}) };
}

export function events(count: number): NewEvent[] {
  return Array.from({ length: count }, (_, index) => newEvent({ index }));
}

/** The position just before a test's own events: the position of a fresh marker event. */
export async function markPosition(store: EventStore): Promise<number> {
  const result = await store.append(streamName('marker'), [newEvent()], 'no_stream');
  return result.position;
}

export async function readAllOf(store: EventStore, from: number, streams: string[]): Promise<StoredEvent[]> {
  const all = await store.readAll(from, 10_000);
  return all.filter((event) => streams.includes(event.stream));
}

/** A subscription handler that records the events `accept` lets through. */
export function collectInto(
  list: StoredEvent[],
  accept: (event: StoredEvent) => boolean = () => true,
): (event: StoredEvent) => Promise<void> {
  return (event) => {
    if (accept(event)) list.push(event);
    return Promise.resolve();
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export const ids = (stored: StoredEvent[]): string[] => stored.map((event) => event.id);
export const idsOf = (written: NewEvent[]): string[] => written.map((event) => event.id);
