import { END, START, StreamNotFoundError, UnavailableError, WrongExpectedVersionError } from '@kurrent/kurrentdb-client';
import { randomUUID } from 'node:crypto';
import { KurrentDbEventStore, type KurrentClient } from './kurrentdb-event-store';
import { FakeSubscription, fakeClient, iterate, resolved } from './kurrentdb-fake-client';
import { USER_EVENTS_REGEX } from './kurrentdb-mapping';
import { StoreUnavailableError, WrongExpectedRevisionError, type StoredEvent } from './port';

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

    it('answers a retry of events already at the expected place as idempotent without writing', async () => {
      const [first, second] = [newEvent(), newEvent()];
      client.readStream.mockReturnValue(iterate([resolved('s', 3, 30, first.id), resolved('s', 4, 40, second.id)]));
      const result = await store.append('s', [first, second], 2);
      expect(result).toEqual({ nextExpectedRevision: 4, position: 40, idempotent: true });
      expect(client.readStream).toHaveBeenCalledWith('s', { direction: 'forwards', fromRevision: 3n, maxCount: 2 });
      expect(client.appendToStream).not.toHaveBeenCalled();
    });

    it('looks for a retry near the end of the stream for any', async () => {
      const event = newEvent();
      client.readStream.mockReturnValue(iterate([resolved('s', 9, 90, event.id), resolved('s', 8, 80)]));
      expect(await store.append('s', [event], 'any')).toMatchObject({ idempotent: true, nextExpectedRevision: 9 });
      expect(client.readStream).toHaveBeenCalledWith('s', { direction: 'backwards', fromRevision: END, maxCount: 64 });
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
        filter: expect.objectContaining({ filterOn: 'eventType', regex: USER_EVENTS_REGEX }),
      });
      await store.readAll(-1, 5);
      expect(client.readAll).toHaveBeenLastCalledWith(expect.objectContaining({ fromPosition: START, maxCount: 5 }));
    });

    it('filters out system events and checkpoint records, nothing else', () => {
      const allowed = (type: string) => new RegExp(USER_EVENTS_REGEX).test(type);
      expect(allowed('countersign.request.submitted.v1')).toBe(true);
      expect(allowed('countersign.checkpointed')).toBe(true);
      expect(allowed('$metadata')).toBe(false);
      expect(allowed('countersign.checkpoint')).toBe(false);
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
        filter: expect.objectContaining({ regex: USER_EVENTS_REGEX }),
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
    it('stores a checkpoint as the last event of a maxCount-1 stream and reads it back', async () => {
      const checkpoints = store.checkpoints();
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
