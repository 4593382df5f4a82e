import type { JsMsg } from 'nats';
import { processMessage, type MessagePolicy } from './message-processor';
import { recordingPolicy } from './testing/processor-harness';
import type { MessagePosition, SeenEvents, Sighting } from './seen-events';
import { encodeEnvelope, testEnvelope, testIdentities, testSubmission } from './testing/envelopes';

const { signers, trust } = testIdentities(['requester:deploy-bot', 'service:intake']);
const requester = signers['requester:deploy-bot']!;
const intake = signers['service:intake']!;

const STORED_AT = new Date('2026-11-21T10:00:00.000Z');
const MINUTE = 60_000;
const at = (offsetMs: number) => new Date(STORED_AT.getTime() + offsetMs).toISOString();

/** One delivery as JetStream hands it out: `storedAt` is the server's timestamp of the message. */
function delivery(envelope: unknown, options: { seq?: number; deliveries?: number; storedAt?: Date | null; subject?: string } = {}) {
  const settled: string[] = [];
  const storedAt = options.storedAt === undefined ? STORED_AT : options.storedAt;
  const msg = {
    subject: options.subject ?? 'cs.submit.deploy-bot',
    data: encodeEnvelope(envelope),
    info: {
      stream: 'CS_SUBMISSIONS',
      consumer: 'intake-submissions',
      streamSequence: options.seq ?? 7,
      deliveryCount: options.deliveries ?? 1,
      timestampNanos: storedAt === null ? 0 : storedAt.getTime() * 1e6,
    },
    ackAck: () => Promise.resolve(void settled.push('ack')),
    nak: (delay?: number) => void settled.push(`nak ${delay}`),
    term: () => void settled.push('term'),
    working: () => undefined,
  } as unknown as JsMsg;
  return { msg, settled };
}

/** The SeenEvents contract in memory (the store-backed one has its own integration test). */
class MemorySeenEvents implements SeenEvents {
  readonly first = new Map<string, MessagePosition>();
  calls = 0;
  failing = false;
  remember(eventId: string, at: MessagePosition): Promise<Sighting> {
    this.calls += 1;
    if (this.failing) return Promise.reject(new Error('store unavailable'));
    const known = this.first.get(eventId);
    if (!known) this.first.set(eventId, at);
    if (!known) return Promise.resolve('first');
    return Promise.resolve(known.stream === at.stream && known.streamSequence === at.streamSequence ? 'redelivery' : 'replay');
  }
}

const harness = (extra: Partial<MessagePolicy> = {}) => recordingPolicy(trust, extra);

describe('processMessage: freshness of external ingress events', () => {
  it('refuses a submission signed long before it reached the bus, as stale, naming the requester', async () => {
    const { policy, letters, handled } = harness();
    const { msg, settled } = delivery(testSubmission(requester, at(-6 * MINUTE)));
    expect(await processMessage(msg, policy)).toBe('dead_lettered');
    expect(settled).toEqual(['term']);
    expect(handled).toEqual([]);
    expect(letters[0]).toMatchObject({ code: 'stale_timestamp', claimedSigner: 'requester:deploy-bot', streamSequence: 7 });
  });

  it('refuses a submission dated in the future', async () => {
    const { policy, letters } = harness();
    await processMessage(delivery(testSubmission(requester, at(6 * MINUTE))).msg, policy);
    expect(letters[0]).toMatchObject({ code: 'future_timestamp', claimedSigner: 'requester:deploy-bot' });
  });

  it('judges against the bus arrival time, so a submission queued while the consumer was down still counts', async () => {
    const dayLater = new Date(STORED_AT.getTime() + 24 * 60 * MINUTE);
    const { policy, handled } = harness({ clock: () => dayLater });
    const submission = testSubmission(requester, at(-MINUTE));
    expect(await processMessage(delivery(submission).msg, policy)).toBe('acked');
    expect(handled).toEqual([submission.id]);
  });

  it('uses the configured skew', async () => {
    const { policy, letters } = harness({ maxSkewMs: 1_000 });
    await processMessage(delivery(testSubmission(requester, at(-2_000))).msg, policy);
    expect(letters[0]).toMatchObject({ code: 'stale_timestamp' });
  });

  it('falls back to the clock only for a message without a JetStream timestamp', async () => {
    const { policy, letters } = harness({ clock: () => new Date(STORED_AT.getTime() + 10 * MINUTE) });
    await processMessage(delivery(testSubmission(requester, at(0)), { storedAt: null }).msg, policy);
    expect(letters[0]).toMatchObject({ code: 'stale_timestamp' });
  });

  it('lets a service event relayed a day late through', async () => {
    const { policy, handled } = harness();
    const late = testEnvelope(intake, 'late');
    const dayLater = new Date(Date.parse(late.time) + 24 * 60 * MINUTE);
    const { msg } = delivery(late, { subject: 'cs.evt.intake.message.deadlettered.v1', storedAt: dayLater });
    expect(await processMessage(msg, policy)).toBe('acked');
    expect(handled).toEqual([late.id]);
  });
});

describe('processMessage: replay guard', () => {
  it('handles the first sighting and a redelivery of the same bus message, refuses a republished copy', async () => {
    const seen = new MemorySeenEvents();
    const { policy, letters, handled } = harness({ seenEvents: seen });
    const submission = testSubmission(requester, at(0));

    expect(await processMessage(delivery(submission, { seq: 7 }).msg, policy)).toBe('acked');
    expect(await processMessage(delivery(submission, { seq: 7, deliveries: 2 }).msg, policy)).toBe('acked');
    const replay = delivery(submission, { seq: 9 });
    expect(await processMessage(replay.msg, policy)).toBe('dead_lettered');

    expect(handled).toEqual([submission.id, submission.id]);
    expect(replay.settled).toEqual(['term']);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ code: 'replayed_event', claimedSigner: 'requester:deploy-bot', streamSequence: 9 });
    expect(letters[0]!.message).toContain(submission.id);
  });

  it('reports a second copy of a service event, from another bus position, as a replay', async () => {
    const seen = new MemorySeenEvents();
    const { policy, letters } = harness({ seenEvents: seen });
    const event = testEnvelope(intake, 'service');
    const subject = 'cs.evt.intake.message.deadlettered.v1';
    expect(await processMessage(delivery(event, { subject, storedAt: new Date(event.time) }).msg, policy)).toBe('acked');
    expect(await processMessage(delivery(event, { subject, seq: 8, storedAt: new Date(event.time) }).msg, policy)).toBe('dead_lettered');
    expect(letters[0]).toMatchObject({ code: 'replayed_event', claimedSigner: 'service:intake', streamSequence: 8 });
  });

  it('retries with backoff, rather than dead-lettering, when the guard cannot reach its store', async () => {
    const seen = new MemorySeenEvents();
    seen.failing = true;
    const { policy, letters, handled } = harness({ seenEvents: seen });
    const { msg, settled } = delivery(testSubmission(requester, at(0)));
    expect(await processMessage(msg, policy)).toBe('retried');
    expect(settled).toEqual(['nak 10']);
    expect(letters).toEqual([]);
    expect(handled).toEqual([]);
  });

  it('checks freshness before the guard, so a stale copy is not remembered', async () => {
    const seen = new MemorySeenEvents();
    const { policy, letters } = harness({ seenEvents: seen });
    await processMessage(delivery(testSubmission(requester, at(-10 * MINUTE))).msg, policy);
    expect(letters[0]).toMatchObject({ code: 'stale_timestamp' });
    expect(seen.calls).toBe(0);
  });
});
