import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Envelope } from '@countersign/contracts';
import { SqliteEventStore } from '@countersign/event-store';
import { eventually } from '@countersign/testing';
import type { JetStreamClient } from 'nats';
import { OutboxRelay } from './relay';
import { testEnvelope, testIdentities } from './testing/envelopes';

const intake = testIdentities(['service:intake']).signers['service:intake']!;
const silent = { log: () => undefined, warn: () => undefined, error: () => undefined };

/** A JetStream stand-in that holds every PubAck until the test answers it: only the order of sends is under test here. */
class HeldPubAcks {
  readonly sent: string[] = [];
  private readonly answers = new Map<string, { ok: () => void; fail: (error: Error) => void }>();

  readonly client = {
    publish: (_subject: string, _data: Uint8Array, options: { msgID: string }) =>
      new Promise<void>((ok, fail) => {
        this.sent.push(options.msgID);
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

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'countersign-relay-order-'));
    store = SqliteEventStore.open(join(dir, 'intake.sqlite'), { pollIntervalMs: 20 });
    bus = new HeldPubAcks();
    relay = new OutboxRelay({
      name: 'relay',
      identity: 'service:intake',
      store,
      checkpoints: store.checkpoints(),
      js: bus.client,
      logger: silent,
      retryDelaysMs: [10],
      window: 8,
    });
    await relay.start();
  });
  afterEach(async () => {
    const stopped = relay.stop();
    bus.refuseAll();
    await stopped;
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends events of other keys at once, and the next of a key only after its predecessor’s PubAck', async () => {
    const [a1, b1, a2, c1] = await append('a', 'b', 'a', 'c');
    await eventually(() => expect(bus.sent).toEqual([a1!.id, b1!.id, c1!.id]));

    bus.ack(a1!.id);
    await eventually(() => expect(bus.sent).toEqual([a1!.id, b1!.id, c1!.id, a2!.id]));
    expect(relay.position).toBe(1);
  });

  it('keeps a key in store order when a publish fails, and the checkpoint behind it', async () => {
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
});
