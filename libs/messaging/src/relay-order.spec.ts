import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AUDIT_CHAIN_ORDER_KEY, EventTypes, type Envelope } from '@countersign/contracts';
import { SqliteEventStore } from '@countersign/event-store';
import { eventually } from '@countersign/testing';
import type { JetStreamClient, MsgHdrs } from 'nats';
import { EXPECTED_LAST_MSG_ID_HEADER, OutboxRelay } from './relay';
import { testEnvelope, testIdentities } from './testing/envelopes';

const intake = testIdentities(['service:intake']).signers['service:intake']!;
const audit = testIdentities(['service:audit']).signers['service:audit']!;
const silent = { log: () => undefined, warn: () => undefined, error: () => undefined };

/** A JetStream stand-in that holds every PubAck until the test answers it: only the order of sends is under test here. */
class HeldPubAcks {
  readonly sent: string[] = [];
  /** Each send's Nats-Expected-Last-Msg-Id, `-` for none. */
  readonly expected: string[] = [];
  private readonly answers = new Map<string, { ok: () => void; fail: (error: Error) => void }>();

  readonly client = {
    publish: (_subject: string, _data: Uint8Array, options: { msgID: string; headers?: MsgHdrs }) =>
      new Promise<void>((ok, fail) => {
        this.sent.push(options.msgID);
        this.expected.push(options.headers?.get(EXPECTED_LAST_MSG_ID_HEADER) || '-');
        this.answers.set(options.msgID, { ok, fail });
      }),
  } as unknown as JetStreamClient;

  ack(id: string): void {
    this.answers.get(id)!.ok();
  }

  refuse(id: string): void {
    this.answers.get(id)!.fail(new Error('connection lost'));
  }

  /** What a closing connection does to the PubAcks it still waits for. */
  refuseAll(): void {
    for (const answer of this.answers.values()) answer.fail(new Error('connection closed'));
  }
}

describe('OutboxRelay with a window: order keys', () => {
  let dir: string;
  let store: SqliteEventStore;
  let bus: HeldPubAcks;
  let relay: OutboxRelay;

  /** One event per tag; its order key is its subject, `test-<tag>`. */
  const append = async (...tags: string[]): Promise<Envelope[]> => {
    const envelopes = tags.map((tag) => testEnvelope(intake, tag));
    for (const envelope of envelopes)
      await store.append(`s-${envelope.id}`, [{ id: envelope.id, type: envelope.type, data: envelope }], 'any');
    return envelopes;
  };

  /** Audit's events of `type`, each about another request (only the type matters to the relay, which never verifies). */
  const appendChain = async (...types: string[]): Promise<string[]> => {
    const appended = types.map((type, index) => ({ ...testEnvelope(audit, `request-${index}-${type}`), type }));
    for (const event of appended) await store.append('audit-log', [{ id: event.id, type: event.type, data: event }], 'any');
    return appended.map((event) => event.id);
  };

  const startRelay = async (identity: string, streamOrderedKeys?: ReadonlySet<string>) => {
    relay = new OutboxRelay({
      ...(streamOrderedKeys ? { streamOrderedKeys } : {}),
      name: 'relay',
      identity,
      store,
      checkpoints: store.checkpoints(),
      js: bus.client,
      logger: silent,
      retryDelaysMs: [10],
      window: 8,
    });
    await relay.start();
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'countersign-relay-order-'));
    store = SqliteEventStore.open(join(dir, 'intake.sqlite'), { pollIntervalMs: 20 });
    bus = new HeldPubAcks();
  });
  afterEach(async () => {
    const stopped = relay.stop();
    bus.refuseAll();
    await stopped;
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends events of other keys at once, and the next of a key only after its predecessor’s PubAck', async () => {
    await startRelay('service:intake');
    const [a1, b1, a2, c1] = await append('a', 'b', 'a', 'c');
    await eventually(() => expect(bus.sent).toEqual([a1!.id, b1!.id, c1!.id]));

    bus.ack(a1!.id);
    await eventually(() => expect(bus.sent).toEqual([a1!.id, b1!.id, c1!.id, a2!.id]));
    expect(relay.position).toBe(1);
  });

  it('keeps a key in store order when a publish fails, and the checkpoint behind it', async () => {
    await startRelay('service:intake');
    const [a1, b1, a2] = await append('a', 'b', 'a');
    await eventually(() => expect(bus.sent).toEqual([a1!.id, b1!.id]));

    bus.refuse(a1!.id);
    bus.ack(b1!.id);
    // The retry of a1 goes out again before a2, which still waits for it; b1's PubAck moves nothing past a1.
    await eventually(() => expect(bus.sent).toEqual([a1!.id, b1!.id, a1!.id]));
    expect(relay.position).toBe(-1);

    bus.ack(a1!.id);
    await eventually(() => expect(bus.sent).toEqual([a1!.id, b1!.id, a1!.id, a2!.id]));
    bus.ack(a2!.id);
    await relay.caughtUp();
    expect(relay.published).toBe(3);
  });

  it('sends nothing new while a publish is failing, until every earlier one is on the bus', async () => {
    await startRelay('service:intake');
    const [a1, b1] = await append('a', 'b');
    await eventually(() => expect(bus.sent).toEqual([a1!.id, b1!.id]));
    bus.refuse(a1!.id);
    const [c1] = await append('c');
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(bus.sent).not.toContain(c1!.id);

    bus.ack(b1!.id);
    await eventually(() => expect(bus.sent.filter((id) => id === a1!.id)).toHaveLength(2));
    bus.ack(a1!.id);
    await eventually(() => expect(bus.sent).toContain(c1!.id));
  });

  it('sends an audit receipt only after the record appended before it is on the bus', async () => {
    await startRelay('service:audit');
    const [record] = await appendChain(EventTypes.AuditRecord);
    const [receipt] = await appendChain(EventTypes.AuditReceipt);
    await eventually(() => expect(bus.sent).toEqual([record]));
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(bus.sent).toEqual([record]);

    bus.ack(record!);
    await eventually(() => expect(bus.sent).toEqual([record, receipt]));
    bus.ack(receipt!);
    await relay.caughtUp();
    expect(relay.published).toBe(2);
  });

  it('resubscribes after a store failure from the last event it took, not from its checkpoint', async () => {
    // The real store, whose first subscription dies right after handing over its second event.
    let died = false;
    const real = store;
    const flaky = Object.create(real) as SqliteEventStore;
    flaky.subscribeToAll = (from, handler, onError) => {
      const first = !died;
      return real.subscribeToAll(
        from,
        async (event) => {
          if (first && died) return; // this subscription is dead
          await handler(event);
          if (!first || event.position !== 2) return;
          died = true;
          onError?.(new Error('store connection lost'));
        },
        onError,
      );
    };
    store = flaky;
    await startRelay('service:intake');
    store = real;
    const [a, b, c] = (await append('a', 'b', 'c')).map((envelope) => envelope.id);

    await eventually(() => expect(bus.sent).toEqual([a, b, c]));
    expect(died).toBe(true);
    for (const id of [a, b, c]) bus.ack(id!);
    await relay.caughtUp();
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(bus.sent).toEqual([a, b, c]); // a and b, in flight when it died, were not taken again
    expect(relay.published).toBe(3);
  });

  it('pipelines a stream-ordered key, each record naming the one before it while that is unacknowledged', async () => {
    await startRelay('service:audit', new Set([AUDIT_CHAIN_ORDER_KEY]));
    const [r0, r1, r2] = await appendChain(EventTypes.AuditRecord, EventTypes.AuditRecord, EventTypes.AuditRecord);
    await eventually(() => expect(bus.sent).toEqual([r0, r1, r2]));
    expect(bus.expected).toEqual(['-', r0, r1]);

    // r0 was lost with the connection, so the server refuses r1 and r2 (their last message is not there).
    bus.refuse(r0!);
    bus.refuse(r1!);
    bus.refuse(r2!);
    await eventually(() => expect(bus.sent).toEqual([r0, r1, r2, r0]));
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(bus.sent).toHaveLength(4); // r1 and r2 wait for r0 now

    bus.ack(r0!);
    await eventually(() => expect(bus.sent).toEqual([r0, r1, r2, r0, r1]));
    expect(bus.expected[4]).toBe('-'); // r0 is on the bus: nothing to name
    bus.ack(r1!);
    await eventually(() => expect(bus.sent).toEqual([r0, r1, r2, r0, r1, r2]));
    bus.ack(r2!);
    await relay.caughtUp();
    expect(relay.published).toBe(3);
  });

  it('without the stream-ordered key (a replicated stream), sends the chain one record at a time', async () => {
    await startRelay('service:audit');
    const [r0, r1] = await appendChain(EventTypes.AuditRecord, EventTypes.AuditRecord);
    await eventually(() => expect(bus.sent).toEqual([r0]));
    bus.ack(r0!);
    await eventually(() => expect(bus.sent).toEqual([r0, r1]));
    expect(bus.expected).toEqual(['-', '-']);
    bus.ack(r1!);
  });
});
