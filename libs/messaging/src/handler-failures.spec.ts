import type { JsMsg } from 'nats';
import type { DeadLetter } from './dead-letter';
import { HandlerFailures } from './handler-failures';
import { processMessage, type Dispatch, type MessagePolicy } from './message-processor';
import { encodeEnvelope, testEnvelope, testIdentities } from './testing/envelopes';

const { signers, trust } = testIdentities(['service:intake']);
const envelope = testEnvelope(signers['service:intake']!, 'unit');

/** One delivery of stream sequence 7 with JetStream's delivery count `deliveries`. */
function delivery(deliveries: number) {
  const settled: string[] = [];
  const msg = {
    subject: 'cs.evt.intake.message.deadlettered.v1',
    data: encodeEnvelope(envelope),
    info: { stream: 'CS_EVENTS', consumer: 'approval-intake', streamSequence: 7, deliveryCount: deliveries },
    ackAck: () => Promise.resolve(void settled.push('ack')),
    nak: (delay?: number) => void settled.push(`nak ${delay}`),
    term: () => void settled.push('term'),
    working: () => undefined,
  } as unknown as JsMsg;
  return { msg, settled };
}

function policy(dispatch: Dispatch, failures: HandlerFailures, letters: DeadLetter[] = []): MessagePolicy {
  return {
    verify: (bytes) => trust.verifyBytes(bytes),
    deadLetter: (letter) => Promise.resolve(void letters.push(letter)),
    dispatch,
    maxDeliver: 3,
    failures,
    maxCrashDeliveries: 20,
    backoffMs: [10, 20],
    logger: { log: () => undefined, warn: () => undefined, error: () => undefined },
  };
}

const handled: Dispatch = () => Promise.resolve('handled');
const failing: Dispatch = () => Promise.reject(new Error('boom'));

describe('processMessage with handler-failure counting (deliveries caused by crashes are free)', () => {
  it('handles a valid message whose delivery count climbed past maxDeliver through crashes alone', async () => {
    const letters: DeadLetter[] = [];
    const { msg, settled } = delivery(9);
    expect(await processMessage(msg, policy(handled, new HandlerFailures(), letters))).toBe('acked');
    expect(settled).toEqual(['ack']);
    expect(letters).toEqual([]);
  });

  it('retries a failing message with backoff by its own failures, not by its delivery count', async () => {
    const failures = new HandlerFailures();
    const first = delivery(12);
    expect(await processMessage(first.msg, policy(failing, failures))).toBe('retried');
    expect(first.settled).toEqual(['nak 10']);
  });

  it('dead-letters after maxDeliver handler failures, then forgets the count', async () => {
    const failures = new HandlerFailures();
    const letters: DeadLetter[] = [];
    const outcomes = [];
    for (const deliveries of [4, 5, 6]) outcomes.push(await processMessage(delivery(deliveries).msg, policy(failing, failures, letters)));
    expect(outcomes).toEqual(['retried', 'retried', 'dead_lettered']);
    expect(letters[0]).toMatchObject({ code: 'max_deliveries', deliveries: 6 });
    expect(letters[0]!.message).toMatch(/handler failed 3 times \(delivery 6\).*boom/);
    expect(failures.size).toBe(0);
  });

  it('forgets the failures of a message once it is handled', async () => {
    const failures = new HandlerFailures();
    await processMessage(delivery(1).msg, policy(failing, failures));
    expect(failures.size).toBe(1);
    await processMessage(delivery(2).msg, policy(handled, failures));
    expect(failures.size).toBe(0);
  });

  it('still dead-letters, unhandled, a message past the crash ceiling (one that crashes the process itself)', async () => {
    const letters: DeadLetter[] = [];
    let called = false;
    const spy: Dispatch = () => {
      called = true;
      return Promise.resolve('handled');
    };
    const { msg, settled } = delivery(21);
    expect(await processMessage(msg, policy(spy, new HandlerFailures(), letters))).toBe('dead_lettered');
    expect(called).toBe(false);
    expect(settled).toEqual(['term']);
    expect(letters[0]).toMatchObject({ code: 'max_deliveries', deliveries: 21 });
  });
});
