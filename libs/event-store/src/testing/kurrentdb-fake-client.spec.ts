import {
  START,
  StreamNotFoundError,
  UnavailableError,
  UnknownError,
  WrongExpectedVersionError,
  jsonEvent,
} from '@kurrent/kurrentdb-client';
import { randomUUID } from 'node:crypto';
import { KurrentDbEventStore } from '../kurrentdb-event-store';
import { FakeKurrentDb, bridgeFailure } from './kurrentdb-fake-client';
import type { UnreadableEvent } from '../port';

/*
 * The fake must be no kinder than @kurrent/kurrentdb-client 1.3.1: these pin the shapes it copies
 * (each cited in kurrentdb-fake-client.ts / kurrentdb-fake-server.ts) so the contract run over it
 * means something.
 */
async function drain<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

describe('the fake KurrentDB client', () => {
  let db: FakeKurrentDb;
  beforeEach(() => {
    db = new FakeKurrentDb();
  });

  it('fails the first read of a missing stream with StreamNotFoundError, as the bridge does', async () => {
    await expect(drain(db.client().readStream('nothing'))).rejects.toBeInstanceOf(StreamNotFoundError);
  });

  it('fails a read after its first batch with an UnknownError that has no gRPC code', async () => {
    const client = db.client();
    await client.appendToStream(
      's',
      [1, 2, 3].map((n) => jsonEvent({ type: 't', data: { n } })),
    );
    db.failReads();
    const seen: unknown[] = [];
    const failure = await (async () => {
      for await (const event of client.readStream('s')) seen.push(event);
    })().catch((error: unknown) => error);
    expect(seen).toHaveLength(2);
    expect(failure).toBeInstanceOf(UnknownError);
    expect((failure as UnknownError).code).toBeUndefined();
    expect(bridgeFailure().code).toBeUndefined();
  });

  it('stores ids lower-cased, refuses ones that are not GUIDs, and answers a server-side retry without a position', async () => {
    const client = db.client();
    const id = randomUUID().toUpperCase();
    const first = await client.appendToStream('s', jsonEvent({ id, type: 't', data: {} }), { streamState: 'no_stream' });
    expect(first.position).toBeDefined();
    const [read] = await drain(client.readStream('s'));
    expect(read?.event?.id).toBe(id.toLowerCase());
    const retry = await client.appendToStream('s', jsonEvent({ id, type: 't', data: {} }), { streamState: 'no_stream' });
    expect(retry).toEqual({ success: true, nextExpectedRevision: 0n, position: undefined });
    await expect(client.appendToStream('s', jsonEvent({ id: 'e-1', type: 't', data: {} }))).rejects.toMatchObject({ code: 3 });
    await expect(client.appendToStream('s', jsonEvent({ type: 't', data: {} }), { streamState: 'no_stream' })).rejects.toBeInstanceOf(
      WrongExpectedVersionError,
    );
  });

  it('writes an event again at the current revision even when its id is already in the stream (the server only looks after the expected revision)', async () => {
    const client = db.client();
    const id = randomUUID();
    await client.appendToStream('s', jsonEvent({ id, type: 't', data: {} }), { streamState: 'no_stream' });
    await client.appendToStream('s', jsonEvent({ type: 't', data: {} }), { streamState: 0n });
    const again = await client.appendToStream('s', jsonEvent({ id, type: 't', data: {} }), { streamState: 1n });
    expect(again.position).toBeDefined();
    expect((await drain(client.readStream('s'))).map((event) => event.event?.id)).toEqual([id, expect.any(String), id]);
  });

  it('hands a "JSON" event with bad bytes over as text and a binary one as bytes, like convertRustEvent', async () => {
    db.server.appendRaw('odd', { type: 't', data: Buffer.from('{not json'), isJson: true });
    db.server.appendRaw('odd', { type: 't', data: Buffer.from([0, 1]) });
    const [text, bytes] = await drain(db.client().readStream('odd'));
    expect(text?.event?.data).toBe('{not json');
    expect(bytes?.event?.data).toBeInstanceOf(Uint8Array);
  });

  it('puts metadata writes in $all as $metadata events, and can refuse them', async () => {
    const client = db.client();
    await client.setStreamMetadata('s', { maxCount: 1 });
    const all = await drain(client.readAll({ fromPosition: START }));
    expect(all.map((event) => [event.event?.streamId, event.event?.type])).toEqual([['$$s', '$metadata']]);
    db.failMetadataWrites(new UnavailableError());
    await expect(client.setStreamMetadata('s', { maxCount: 1 })).rejects.toBeInstanceOf(UnavailableError);
  });

  it('fails a live subscription with UnavailableError (code 14) when the server goes away', async () => {
    const subscription = db.client().subscribeToAll({ fromPosition: START });
    const failure = drain(subscription).catch((error: unknown) => error);
    db.failReads();
    expect(await failure).toMatchObject({ code: 14 });
    expect(await failure).toBeInstanceOf(UnavailableError);
  });
});

describe('the adapter over the fake: events it must leave out of $all without a word', () => {
  it('drops link events, $metadata events and $-stream events, and reports only its own unreadable ones', async () => {
    const db = new FakeKurrentDb();
    const reported: UnreadableEvent[] = [];
    const store = new KurrentDbEventStore(db.client(), { onUnreadable: (event) => reported.push(event) });
    const own = { id: randomUUID(), type: 'test.happened.v1', data: { n: 1 } };
    await store.append('request-1', [own], 'no_stream');
    db.server.appendRaw('$ce-request', { type: '$>', data: Buffer.from('0@request-1'), isJson: false });
    db.server.appendRaw('$settings', { type: 'update-default-acl', data: {} });
    db.server.appendRaw('$binary', { type: 'foreign', data: Buffer.from([0xff]) });
    await db.client().setStreamMetadata('request-1', { maxCount: 9 });
    db.server.appendRaw('request-2', { type: 'foreign', data: Buffer.from([0xff]) });

    expect((await store.readAll(-1, 100)).map((event) => event.id)).toEqual([own.id]);
    expect(reported.map((event) => event.stream)).toEqual(['request-2']);
    await store.close();
  });
});
