import { END, WrongExpectedVersionError, type AllStreamResolvedEvent } from '@kurrent/kurrentdb-client';
import { randomUUID } from 'node:crypto';
import { KurrentDbEventStore, type KurrentClient } from './kurrentdb-event-store';
import { FakeSubscription, fakeClient, iterate, resolved } from './testing/kurrentdb-fake-client';
import { StreamNamespace } from './kurrentdb-namespace';

const newEvent = () => ({ id: randomUUID(), type: 'test.happened.v1', data: { a: 1 } });
const withType = (event: AllStreamResolvedEvent, type: string): AllStreamResolvedEvent => ({ ...event, event: { ...event.event!, type } });
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('KurrentDbEventStore with a per-service stream prefix (fake client)', () => {
  let client: ReturnType<typeof fakeClient>;
  let store: KurrentDbEventStore;

  beforeEach(() => {
    client = fakeClient();
    store = new KurrentDbEventStore(client as unknown as KurrentClient, { streamPrefix: 'intake-', limitCheckpointStreams: false });
  });

  it('writes every stream under the prefix and reports positions as before', async () => {
    client.appendToStream.mockResolvedValue({ success: true, nextExpectedRevision: 0n, position: { commit: 42n, prepare: 42n } });
    expect(await store.append('request-1', [newEvent()], 'no_stream')).toEqual({
      nextExpectedRevision: 0,
      position: 42,
      idempotent: false,
    });
    expect(client.appendToStream).toHaveBeenCalledWith('intake-request-1', expect.any(Array), { streamState: 'no_stream' });
    expect(client.readStream).toHaveBeenCalledWith('intake-request-1', expect.anything());
  });

  it('names the port stream, not the server stream, in a conflict', async () => {
    client.appendToStream.mockRejectedValue(
      new WrongExpectedVersionError(undefined, { streamName: 'intake-request-1', expected: 'no_stream', current: 0n }),
    );
    await expect(store.append('request-1', [newEvent()], 'no_stream')).rejects.toMatchObject({ stream: 'request-1', actual: 0 });
  });

  it('finds an earlier copy of a retried append inside the namespace', async () => {
    const event = newEvent();
    client.readStream.mockReturnValue(iterate([resolved('intake-request-1', 0, 5, event.id)]));
    expect(await store.append('request-1', [event], 'no_stream')).toMatchObject({ idempotent: true, position: 5 });
    expect(client.readStream).toHaveBeenCalledWith('intake-request-1', { direction: 'backwards', fromRevision: END, maxCount: 256 });
    expect(client.appendToStream).not.toHaveBeenCalled();
  });

  it('reads a stream by its port name and strips the prefix on the way back', async () => {
    client.readStream.mockReturnValue(iterate([resolved('intake-request-1', 0, 5)]));
    const [event] = await store.readStream('request-1');
    expect(client.readStream).toHaveBeenCalledWith('intake-request-1', expect.objectContaining({ direction: 'forwards' }));
    expect(event).toMatchObject({ stream: 'request-1', revision: 0, position: 5 });
  });

  it('reads $all filtered to its own streams, without checkpoints or anyone else’s events', async () => {
    client.readAll.mockReturnValue(
      iterate([
        resolved('intake-request-1', 0, 10),
        resolved('approval-request-1', 0, 11),
        withType(resolved('intake-countersign-checkpoint-relay', 0, 12), 'countersign.checkpoint'),
        resolved('intake-countersign-checkpoint-relay', 1, 13),
        withType(resolved('intake-request-1', 1, 14), '$metadata'),
        resolved('intake-seen-1', 0, 15),
      ]),
    );
    const events = await store.readAll(-1, 10);
    expect(events.map((event) => [event.stream, event.position])).toEqual([
      ['request-1', 10],
      ['seen-1', 15],
    ]);
    expect(client.readAll).toHaveBeenCalledWith(
      expect.objectContaining({
        filter: expect.objectContaining({ filterOn: 'streamName', regex: '^intake-(?!countersign-checkpoint-)' }),
      }),
    );
  });

  it('subscribes to $all with the same filter and hands the handler only its own events, unprefixed', async () => {
    const source = new FakeSubscription();
    client.subscribeToAll.mockReturnValue(source);
    const seen: string[] = [];
    const subscription = store.subscribeToAll(-1, (event) => Promise.resolve(void seen.push(event.stream)));
    expect(client.subscribeToAll).toHaveBeenCalledWith(
      expect.objectContaining({
        filter: expect.objectContaining({ filterOn: 'streamName', regex: '^intake-(?!countersign-checkpoint-)' }),
      }),
    );
    source.push(resolved('broker-request-2', 0, 1), resolved('intake-request-2', 0, 2), resolved('intakeother-x', 0, 3));
    await settle();
    await subscription.stop();
    expect(seen).toEqual(['request-2']);
  });

  it('keeps checkpoints inside the namespace and leaves their metadata to provisioning', async () => {
    client.appendToStream.mockResolvedValue({ success: true, nextExpectedRevision: 0n });
    await store.checkpoints().save('relay', 9);
    expect(client.appendToStream).toHaveBeenCalledWith('intake-countersign-checkpoint-relay', expect.anything(), { streamState: 'any' });
    expect(client.setStreamMetadata).not.toHaveBeenCalled();
  });
});

describe('StreamNamespace', () => {
  const namespace = new StreamNamespace('intake-', 'countersign-checkpoint-');
  const matches = (stream: string) => new RegExp(namespace.allFilter().regex).test(stream);

  it.each([
    ['intake-request-1', true],
    ['intake-seen-abc', true],
    ['intake-deadletters', true],
    ['approval-request-1', false],
    ['intakeother-request-1', false],
    ['intake-countersign-checkpoint-relay', false],
    ['$$intake-request-1', false],
    ['$settings', false],
  ])('the $all filter %s → %p', (stream, expected) => {
    expect(matches(stream)).toBe(expected);
  });

  it.each(['', 'intake', 'Intake-', 'in.take-', 'in-take-', '$intake-'])('accepts only "<service>-" or nothing: %p', (prefix) => {
    const build = () => new StreamNamespace(prefix, 'cp-');
    if (prefix === '') expect(build).not.toThrow();
    else expect(build).toThrow(RangeError);
  });
});
