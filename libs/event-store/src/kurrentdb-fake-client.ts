import { StreamNotFoundError, type AllStreamResolvedEvent } from '@kurrent/kurrentdb-client';
import { randomUUID } from 'node:crypto';

/*
 * Test support for the KurrentDB adapter's unit specs: a fake client that answers like the real
 * one (async iterators, gRPC-style failures), so the mapping is tested without a server.
 */

/** A recorded event as the client hands it out. */
export function resolved(
  stream: string,
  revision: number,
  position: number | bigint,
  id = randomUUID(),
  data: Record<string, unknown> = { revision, text: 'ü' },
): AllStreamResolvedEvent {
  const commit = BigInt(position);
  return {
    event: {
      streamId: stream,
      id,
      revision: BigInt(revision),
      type: 'test.happened.v1',
      data,
      metadata: { trace: 't' },
      isJson: true,
      created: new Date('2026-01-01T00:00:00.000Z'),
      position: { commit, prepare: commit },
    },
    commitPosition: commit,
  };
}

/** What a client read returns: the items, then optionally a failure, like a gRPC stream. */
export function iterate<T>(items: T[], failure?: Error): AsyncIterableIterator<T> {
  return (async function* () {
    for (const item of items) yield await Promise.resolve(item);
    if (failure) throw failure;
  })();
}

/** A live subscription: yields what is pushed until unsubscribed. */
export class FakeSubscription {
  private queue: AllStreamResolvedEvent[] = [];
  private wake: (() => void) | undefined;
  closed = false;
  readonly unsubscribe = jest.fn(() => {
    this.closed = true;
    this.wake?.();
    return Promise.resolve();
  });
  push(...events: AllStreamResolvedEvent[]): void {
    this.queue.push(...events);
    this.wake?.();
  }
  async *[Symbol.asyncIterator](): AsyncGenerator<AllStreamResolvedEvent> {
    while (!this.closed) {
      const next = this.queue.shift();
      if (next) yield next;
      else await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}

export function fakeClient() {
  return {
    appendToStream: jest.fn(),
    readStream: jest.fn(() => iterate<AllStreamResolvedEvent>([], new StreamNotFoundError())),
    readAll: jest.fn(() => iterate<AllStreamResolvedEvent>([])),
    subscribeToAll: jest.fn(),
    setStreamMetadata: jest.fn(() => Promise.resolve({ success: true, nextExpectedRevision: 0n })),
    dispose: jest.fn(() => Promise.resolve()),
  };
}
