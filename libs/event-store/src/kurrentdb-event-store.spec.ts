import {
  AccessDeniedError,
  DeadlineExceededError,
  END,
  NotLeaderError,
  START,
  StreamNotFoundError,
  UnavailableError,
  WrongExpectedVersionError,
} from '@kurrent/kurrentdb-client';
import { randomUUID } from 'node:crypto';
import { KurrentDbEventStore, type KurrentClient } from './kurrentdb-event-store';
import { FakeSubscription, bridgeFailure, fakeClient, iterate, resolved } from './testing/kurrentdb-fake-client';
import { StoreUnavailableError, WrongExpectedRevisionError, type StoredEvent } from './port';

/** The $all filter without a stream prefix: every stream but `$` ones and our checkpoint streams. */
const ALL_STREAMS_REGEX = '^(?!\\$|countersign-checkpoint-)';

const newEvent = (data: unknown = { a: 1 }) => ({ id: randomUUID(), type: 'test.happened.v1', data });

describe('KurrentDbEventStore mapping (fake client)', () => {
  let client: ReturnType<typeof fakeClient>;
  let store: KurrentDbEventStore;

  beforeEach(() => {
    client = fakeClient();
    store = new KurrentDbEventStore(client as unknown as KurrentClient);
  });

  describe('append', () => {
    it.each([
      ['no_stream', 'no_stream'],
      ['stream_exists', 'stream_exists'],
      ['any', 'any'],
      [7, 7n],
    ] as const)('sends expected revision %p as streamState %p', async (expected, streamState) => {
      client.appendToStream.mockResolvedValue({ success: true, nextExpectedRevision: 8n, position: { commit: 42n, prepare: 42n } });
      await store.append('s', [newEvent()], expected);
      expect(client.appendToStream).toHaveBeenCalledWith('s', expect.any(Array), { streamState });
    });

    it('encodes events as JSON events with their own ids, type, data and metadata', async () => {
      client.appendToStream.mockResolvedValue({ success: true, nextExpectedRevision: 0n, position: { commit: 42n, prepare: 42n } });
      const event = { ...newEvent({ nested: { list: [1, 'ü'] } }), metadata: { trace: 't-1' } };
      const result = await store.append('s', [event], 'no_stream');

      expect(client.appendToStream.mock.calls[0]?.[1]).toEqual([
        { id: event.id, contentType: 'application/json', type: event.type, data: event.data, metadata: { trace: 't-1' } },
      ]);
      expect(result).toEqual({ nextExpectedRevision: 0, position: 42, idempotent: false });
    });

    it('reads back the last event for the position of a multi-event append', async () => {
      client.appendToStream.mockResolvedValue({ success: true, nextExpectedRevision: 1n, position: { commit: 10n, prepare: 10n } });
      client.readStream.mockReturnValueOnce(iterate([], new StreamNotFoundError())).mockReturnValueOnce(iterate([resolved('s', 1, 77)]));
      const result = await store.append('s', [newEvent(), newEvent()], 'no_stream');
      expect(result).toEqual({ nextExpectedRevision: 1, position: 77, idempotent: false });
      expect(client.readStream).toHaveBeenLastCalledWith('s', { direction: 'forwards', fromRevision: 1n, maxCount: 1 });
    });

    it('maps WrongExpectedVersionError to WrongExpectedRevisionError', async () => {
      const conflict = new WrongExpectedVersionError(undefined, { streamName: 's', expected: 'no_stream', current: 4n });
      client.appendToStream.mockRejectedValue(conflict);
      const failure = await store.append('s', [newEvent()], 'no_stream').catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(WrongExpectedRevisionError);
      expect(failure).toMatchObject({ stream: 's', expected: 'no_stream', actual: 4 });
    });

    it('maps a missing stream in the conflict to actual no_stream', async () => {
      const conflict = new WrongExpectedVersionError(undefined, { streamName: 's', expected: 3n, current: 'no_stream' });
      client.appendToStream.mockRejectedValue(conflict);
      await expect(store.append('s', [newEvent()], 3)).rejects.toMatchObject({ actual: 'no_stream', expected: 3 });
    });

    it('maps a plain Error with gRPC code 14 to StoreUnavailableError', async () => {
      client.appendToStream.mockRejectedValue(Object.assign(new Error('14 UNAVAILABLE: No connection established'), { code: 14 }));
      await expect(store.append('s', [newEvent()], 'any')).rejects.toBeInstanceOf(StoreUnavailableError);
    });

    it('passes other errors through unchanged', async () => {
      const denied = Object.assign(new Error('access denied'), { code: 7 });
      client.appendToStream.mockRejectedValue(denied);
      await expect(store.append('s', [newEvent()], 'any')).rejects.toBe(denied);
    });

    it('answers a retry of events already in the stream as idempotent without writing, whatever the expected revision', async () => {
      const [first, second] = [newEvent(), newEvent()];
      client.readStream.mockReturnValue(iterate([resolved('s', 5, 50), resolved('s', 4, 40, second.id), resolved('s', 3, 30, first.id)]));
      const result = await store.append('s', [first, second], 5);
      expect(result).toEqual({ nextExpectedRevision: 4, position: 40, idempotent: true });
      expect(client.readStream).toHaveBeenCalledWith('s', { direction: 'backwards', fromRevision: END, maxCount: 256 });
      expect(client.appendToStream).not.toHaveBeenCalled();
    });

    it('pages backwards through a long stream until the first id turns up', async () => {
      const event = newEvent();
      const page = (top: number) => Array.from({ length: 256 }, (_, index) => resolved('s', top - index, 1000 + top - index));
      client.readStream
        .mockReturnValueOnce(iterate(page(600)))
        .mockReturnValueOnce(iterate([resolved('s', 344, 1344, event.id), ...page(343).slice(0, 255)]));
      expect(await store.append('s', [event], 'any')).toEqual({ idempotent: true, nextExpectedRevision: 344, position: 1344 });
      expect(client.readStream).toHaveBeenLastCalledWith('s', { direction: 'backwards', fromRevision: 344n, maxCount: 256 });
      expect(client.appendToStream).not.toHaveBeenCalled();
    });

    it('sends and compares ids lower-cased, as the server stores them', async () => {
      const event = { ...newEvent(), id: newEvent().id.toUpperCase() };
      client.readStream.mockReturnValue(iterate([resolved('s', 0, 5, event.id.toLowerCase() as ReturnType<typeof randomUUID>)]));
      expect(await store.append('s', [event], 'no_stream')).toMatchObject({ idempotent: true, position: 5 });
      client.readStream.mockReturnValue(iterate([], new StreamNotFoundError()));
      client.appendToStream.mockResolvedValue({ success: true, nextExpectedRevision: 0n, position: { commit: 7n, prepare: 7n } });
      await store.append('t', [event], 'no_stream');
      expect(client.appendToStream.mock.calls[0]?.[1]).toEqual([expect.objectContaining({ id: event.id.toLowerCase() })]);
    });

    it('answers idempotent when the server deduplicated the write (no position in its reply)', async () => {
      const event = newEvent();
      client.readStream
        .mockReturnValueOnce(iterate([], new StreamNotFoundError()))
        .mockReturnValueOnce(iterate([resolved('s', 0, 9, event.id)]));
      client.appendToStream.mockResolvedValue({ success: true, nextExpectedRevision: 0n, position: undefined });
      expect(await store.append('s', [event], 'no_stream')).toEqual({ nextExpectedRevision: 0, position: 9, idempotent: true });
    });

    it('treats a partial repeat as a conflict without writing', async () => {
      const event = newEvent();
      client.readStream.mockReturnValue(iterate([resolved('s', 0, 5, event.id)]));
      await expect(store.append('s', [event, newEvent()], 'no_stream')).rejects.toBeInstanceOf(WrongExpectedRevisionError);
      expect(client.appendToStream).not.toHaveBeenCalled();
    });
  });

  describe('reads', () => {
    it('maps readStream options and recorded events', async () => {
      const event = resolved('s', 2, 20);
      client.readStream.mockReturnValue(iterate([event]));
      const [stored] = await store.readStream('s', { fromRevision: 2, maxCount: 5 });
      expect(client.readStream).toHaveBeenCalledWith('s', { direction: 'forwards', fromRevision: 2n, maxCount: 5 });
      expect(stored).toEqual<StoredEvent>({
        id: event.event?.id ?? '',
        stream: 's',
        revision: 2,
        position: 20,
        type: 'test.happened.v1',
        data: { revision: 2, text: 'ü' },
        metadata: { trace: 't' },
        recordedAt: '2026-01-01T00:00:00.000Z',
      });
    });

    it('returns [] for a missing stream and StoreUnavailableError when the server is unreachable', async () => {
      expect(await store.readStream('missing')).toEqual([]);
      client.readStream.mockReturnValue(iterate([], new UnavailableError()));
      await expect(store.readStream('s')).rejects.toBeInstanceOf(StoreUnavailableError);
    });

    it('refuses positions beyond Number.MAX_SAFE_INTEGER instead of rounding them', async () => {
      client.readStream.mockReturnValue(iterate([resolved('s', 0, BigInt(Number.MAX_SAFE_INTEGER) + 2n)]));
      await expect(store.readStream('s')).rejects.toBeInstanceOf(StoreUnavailableError);
    });

    it('reads $all exclusively after a position, filtered, up to maxCount', async () => {
      client.readAll.mockReturnValue(iterate([resolved('a', 0, 10), resolved('b', 0, 11), resolved('a', 1, 12)]));
      const read = await store.readAll(10, 1);
      expect(read.map((event) => event.position)).toEqual([11]);
      expect(client.readAll).toHaveBeenCalledWith({
        direction: 'forwards',
        fromPosition: { commit: 10n, prepare: 10n },
        maxCount: 2,
        filter: expect.objectContaining({ filterOn: 'streamName', regex: ALL_STREAMS_REGEX }),
      });
      await store.readAll(-1, 5);
      expect(client.readAll).toHaveBeenLastCalledWith(expect.objectContaining({ fromPosition: START, maxCount: 5 }));
    });

    it('filters $all on stream names: no $ stream (whatever its event types), no checkpoint stream, nothing else', () => {
      const allowed = (stream: string) => new RegExp(ALL_STREAMS_REGEX).test(stream);
      expect(allowed('request-1')).toBe(true);
      expect(allowed('countersign-checkpointed')).toBe(true);
      expect(allowed('$settings')).toBe(false);
      expect(allowed('$$request-1')).toBe(false);
      expect(allowed('$ce-request')).toBe(false);
      expect(allowed('countersign-checkpoint-relay')).toBe(false);
    });

    it('skips and reports a binary event in $all, and leaves out a $-stream event of any type', async () => {
      const reported: unknown[] = [];
      const reporting = new KurrentDbEventStore(client as unknown as KurrentClient, { onUnreadable: (event) => reported.push(event) });
      const binary = resolved('odd', 0, 11);
      const bytes = { ...binary, event: { ...binary.event!, isJson: false, data: new Uint8Array([0, 0xff]) } };
      const settings = { ...resolved('$settings', 0, 12), event: { ...resolved('$settings', 0, 12).event!, type: 'update-default-acl' } };
      client.readAll.mockReturnValue(iterate([resolved('a', 0, 10), bytes, settings, resolved('a', 1, 13)] as never[]));
      expect((await reporting.readAll(-1, 10)).map((event) => event.position)).toEqual([10, 13]);
      expect(reported).toEqual([expect.objectContaining({ stream: 'odd', position: 11, id: binary.event?.id })]);
    });

    it.each([
      ['a bridge UnknownError without a code (connection closed mid-read)', bridgeFailure()],
      ['a bridge DeadlineExceededError', new DeadlineExceededError()],
      [
        'a NotLeaderError',
        new NotLeaderError({
          message: 'not leader',
          metadata: { 'leader-endpoint-host': 'node-2', 'leader-endpoint-port': '2113' },
        } as never),
      ],
    ])('maps %s part-way through a read to StoreUnavailableError', async (_what, failure) => {
      client.readAll.mockReturnValue(iterate([resolved('a', 0, 10)], failure));
      await expect(store.readAll(-1, 10)).rejects.toBeInstanceOf(StoreUnavailableError);
      client.readStream.mockReturnValue(iterate([resolved('s', 0, 10)], failure));
      await expect(store.readStream('s')).rejects.toBeInstanceOf(StoreUnavailableError);
    });
  });

  describe('subscribeToAll', () => {
    it('subscribes after the position with the filter, awaits the handler per event, and stops', async () => {
      const source = new FakeSubscription();
      client.subscribeToAll.mockReturnValue(source);
      const seen: number[] = [];
      let release: () => void = () => undefined;
      const subscription = store.subscribeToAll(5, async (event) => {
        seen.push(event.position);
        if (event.position === 6) await new Promise<void>((resolve) => (release = resolve));
      });
      expect(client.subscribeToAll).toHaveBeenCalledWith({
        fromPosition: { commit: 5n, prepare: 5n },
        filter: expect.objectContaining({ regex: ALL_STREAMS_REGEX }),
      });
      source.push(resolved('a', 0, 5), resolved('a', 1, 6), resolved('a', 2, 7));
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(seen).toEqual([6]);
      release();
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(seen).toEqual([6, 7]);
      await subscription.stop();
      expect(source.unsubscribe).toHaveBeenCalled();
    });
  });

  describe('checkpoints', () => {
    it('leaves stream metadata alone by default: a least-privilege user may not write it', async () => {
      client.appendToStream.mockResolvedValue({ success: true, nextExpectedRevision: 0n });
      await store.checkpoints().save('relay', 12);
      expect(client.setStreamMetadata).not.toHaveBeenCalled();
    });

    it('fails a save whose metadata write is refused, and tries the metadata again next time', async () => {
      const limiting = new KurrentDbEventStore(client as unknown as KurrentClient, { limitCheckpointStreams: true });
      const checkpoints = limiting.checkpoints();
      const denied = new AccessDeniedError({ message: 'Access denied', metadata: { getMap: () => ({}) } } as never);
      client.setStreamMetadata.mockRejectedValueOnce(denied);
      client.appendToStream.mockResolvedValue({ success: true, nextExpectedRevision: 0n });
      await expect(checkpoints.save('relay', 1)).rejects.toBe(denied);
      expect(client.appendToStream).not.toHaveBeenCalled();
      await checkpoints.save('relay', 1);
      expect(client.setStreamMetadata).toHaveBeenCalledTimes(2);
      expect(client.appendToStream).toHaveBeenCalledTimes(1);
    });

    it('stores a checkpoint as the last event of a maxCount-1 stream and reads it back', async () => {
      const checkpoints = new KurrentDbEventStore(client as unknown as KurrentClient, { limitCheckpointStreams: true }).checkpoints();
      client.appendToStream.mockResolvedValue({ success: true, nextExpectedRevision: 0n });
      await checkpoints.save('relay', 12);
      await checkpoints.save('relay', 13);
      expect(client.setStreamMetadata).toHaveBeenCalledTimes(1);
      expect(client.setStreamMetadata).toHaveBeenCalledWith('countersign-checkpoint-relay', { maxCount: 1 });
      expect(client.appendToStream).toHaveBeenLastCalledWith(
        'countersign-checkpoint-relay',
        expect.objectContaining({ type: 'countersign.checkpoint', data: { position: 13 } }),
        { streamState: 'any' },
      );

      expect(await checkpoints.load('never-saved')).toBeUndefined();
      client.readStream.mockReturnValue(iterate([resolved('countersign-checkpoint-relay', 1, 3, randomUUID(), { position: 13 })]));
      expect(await checkpoints.load('relay')).toBe(13);
      expect(client.readStream).toHaveBeenLastCalledWith('countersign-checkpoint-relay', {
        direction: 'backwards',
        fromRevision: END,
        maxCount: 1,
      });
    });
  });

  it('closes by stopping subscriptions and disposing the client', async () => {
    const source = new FakeSubscription();
    client.subscribeToAll.mockReturnValue(source);
    store.subscribeToAll(-1, () => Promise.resolve());
    await store.close();
    expect(source.unsubscribe).toHaveBeenCalled();
    expect(client.dispose).toHaveBeenCalled();
  });

  it('builds a client from a connection string without connecting', async () => {
    const fromString = KurrentDbEventStore.fromConnectionString('kurrentdb://127.0.0.1:2113?tls=false');
    await fromString.close();
  });
});
