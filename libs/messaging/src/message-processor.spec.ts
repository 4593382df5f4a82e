import type { JsMsg } from 'nats';
import type { DeadLetter } from './dead-letter';
import { HandlerFailures } from './handler-failures';
import { TerminalMessageError } from './jetstream-context';
import { processMessage, type Dispatch, type MessagePolicy } from './message-processor';
import { encodeEnvelope, testEnvelope, testIdentities } from './testing/envelopes';

const { signers, trust } = testIdentities(['service:intake']);
const envelope = testEnvelope(signers['service:intake']!, 'unit');
const SUBJECT = 'cs.evt.intake.message.deadlettered.v1';

/** A stand-in for one delivery, recording how it was settled (the decision table, not the bus). */
function delivery(deliveries: number, options: { ackAckFails?: boolean } = {}) {
  const settled: string[] = [];
  const msg = {
    subject: SUBJECT,
    data: encodeEnvelope(envelope),
    info: { stream: 'CS_EVENTS', consumer: 'approval-intake', streamSequence: 7, deliveryCount: deliveries },
    ackAck: () => {
      settled.push('ack');
      return options.ackAckFails ? Promise.reject(new Error('TIMEOUT')) : Promise.resolve(true);
    },
    nak: (delay?: number) => void settled.push(`nak ${delay}`),
    term: () => void settled.push('term'),
    working: () => void settled.push('working'),
  } as unknown as JsMsg;
  return { msg, settled };
}

function policy(dispatch: Dispatch, letters: DeadLetter[] = []): MessagePolicy {
  return {
    verify: (bytes) => trust.verifyBytes(bytes),
    deadLetter: (letter) => Promise.resolve(void letters.push(letter)),
    dispatch,
    maxDeliver: 3,
    backoffMs: [10, 20],
    logger: { log: () => undefined, warn: () => undefined, error: () => undefined },
  };
}

const handled: Dispatch = () => Promise.resolve('handled');
const failing: Dispatch = () => Promise.reject(new Error('boom'));

describe('processMessage', () => {
  it('acks a handled message', async () => {
    const { msg, settled } = delivery(1);
    expect(await processMessage(msg, policy(handled))).toBe('acked');
    expect(settled).toEqual(['ack']);
  });

  it('treats an unconfirmed ack as acked: the redelivery it may cause is absorbed by idempotency', async () => {
    const { msg, settled } = delivery(1, { ackAckFails: true });
    expect(await processMessage(msg, policy(handled))).toBe('acked');
    expect(settled).toEqual(['ack']);
  });

  it('naks with the backoff for the delivery, repeating the last delay', async () => {
    const first = delivery(1);
    const second = delivery(2);
    await processMessage(first.msg, { ...policy(failing), maxDeliver: 5 });
    await processMessage(second.msg, { ...policy(failing), maxDeliver: 5 });
    const fourth = delivery(4);
    await processMessage(fourth.msg, { ...policy(failing), maxDeliver: 5 });
    expect([first.settled, second.settled, fourth.settled]).toEqual([['nak 10'], ['nak 20'], ['nak 20']]);
  });

  it('dead-letters on the last allowed delivery, with the last error', async () => {
    const letters: DeadLetter[] = [];
    const { msg, settled } = delivery(3);
    expect(await processMessage(msg, policy(failing, letters))).toBe('dead_lettered');
    expect(settled).toEqual(['term']);
    expect(letters[0]).toMatchObject({ code: 'max_deliveries', deliveries: 3, streamSequence: 7, consumer: 'approval-intake' });
    expect(letters[0]!.message).toContain('boom');
  });

  it('dead-letters without calling the handler a message back after a crash on its last delivery', async () => {
    const letters: DeadLetter[] = [];
    let called = false;
    const { msg, settled } = delivery(4);
    const spy: Dispatch = () => {
      called = true;
      return Promise.resolve('handled');
    };
    await processMessage(msg, policy(spy, letters));
    expect(called).toBe(false);
    expect(settled).toEqual(['term']);
    expect(letters[0]).toMatchObject({ code: 'max_deliveries', deliveries: 4 });
  });

  it('terminates at once on TerminalMessageError, carrying its code and field errors', async () => {
    const letters: DeadLetter[] = [];
    const errors = [{ path: 'data', code: 'c', message: 'm' }];
    const { msg, settled } = delivery(1);
    const terminal: Dispatch = () => Promise.reject(new TerminalMessageError('stale', 'too old', errors));
    await processMessage(msg, policy(terminal, letters));
    expect(settled).toEqual(['term']);
    expect(letters[0]).toMatchObject({ code: 'stale', message: 'too old', errors });
  });

  it('naks instead of terminating when dead-lettering fails', async () => {
    const { msg, settled } = delivery(3);
    const broken = { ...policy(failing), deadLetter: () => Promise.reject(new Error('store down')) };
    expect(await processMessage(msg, broken)).toBe('retried');
    expect(settled).toEqual(['nak 20']);
  });

  it('dead-letters malformed bytes with the verifier’s code', async () => {
    const letters: DeadLetter[] = [];
    const { msg, settled } = delivery(1);
    (msg as { data: Uint8Array }).data = Buffer.from('not json');
    await processMessage(msg, policy(handled, letters));
    expect(settled).toEqual(['term']);
    expect(letters[0]).toMatchObject({ code: 'malformed' });
    expect(Buffer.from(letters[0]!.payload).toString()).toBe('not json');
  });
});

/** Issue 10: with a HandlerFailures ledger, maxDeliver counts the handler's failures, not deliveries. */
const counting = (dispatch: Dispatch, failures: HandlerFailures, letters: DeadLetter[] = []): MessagePolicy => ({
  ...policy(dispatch, letters),
  failures,
  maxCrashDeliveries: 20,
});

describe('processMessage with handler-failure counting (deliveries caused by crashes are free)', () => {
  it('handles a valid message whose delivery count climbed past maxDeliver through crashes alone', async () => {
    const letters: DeadLetter[] = [];
    const { msg, settled } = delivery(9);
    expect(await processMessage(msg, counting(handled, new HandlerFailures(), letters))).toBe('acked');
    expect(settled).toEqual(['ack']);
    expect(letters).toEqual([]);
  });

  it('retries a failing message with backoff by its own failures, not by its delivery count', async () => {
    const failures = new HandlerFailures();
    const first = delivery(12);
    expect(await processMessage(first.msg, counting(failing, failures))).toBe('retried');
    expect(first.settled).toEqual(['nak 10']);
  });

  it('dead-letters after maxDeliver handler failures, then forgets the count', async () => {
    const failures = new HandlerFailures();
    const letters: DeadLetter[] = [];
    const outcomes = [];
    for (const deliveries of [4, 5, 6]) outcomes.push(await processMessage(delivery(deliveries).msg, counting(failing, failures, letters)));
    expect(outcomes).toEqual(['retried', 'retried', 'dead_lettered']);
    expect(letters[0]).toMatchObject({ code: 'max_deliveries', deliveries: 6 });
    expect(letters[0]!.message).toMatch(/handler failed 3 times \(delivery 6\).*boom/);
    expect(failures.size).toBe(0);
  });

  it('forgets the failures of a message once it is handled', async () => {
    const failures = new HandlerFailures();
    await processMessage(delivery(1).msg, counting(failing, failures));
    expect(failures.size).toBe(1);
    await processMessage(delivery(2).msg, counting(handled, failures));
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
    expect(await processMessage(msg, counting(spy, new HandlerFailures(), letters))).toBe('dead_lettered');
    expect(called).toBe(false);
    expect(settled).toEqual(['term']);
    expect(letters[0]).toMatchObject({ code: 'max_deliveries', deliveries: 21 });
  });
});
