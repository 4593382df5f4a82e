import type { JsMsg } from 'nats';
import { subjectFor } from '@countersign/contracts';
import { processBatch, type UnitOfWork } from './batch-processor';
import type { MessagePolicy } from './message-processor';
import { testEnvelope, testIdentities } from './testing/envelopes';

const { signers, trust } = testIdentities(['service:intake']);

/** A delivery that records its verdict calls, in order, into `log`. */
function delivery(sequence: number, log: string[]): JsMsg {
  const envelope = testEnvelope(signers['service:intake']!, `e${sequence}`);
  return {
    data: Buffer.from(JSON.stringify(envelope)),
    subject: subjectFor(envelope),
    info: { stream: 'CS_EVENTS', consumer: 'test', streamSequence: sequence, deliveryCount: 1, timestampNanos: Date.now() * 1e6 },
    ack: () => log.push(`ack ${sequence}`),
    ackAck: () => Promise.reject(new Error('the held verdict must not reach the bus before the flush')),
    nak: () => log.push(`nak ${sequence}`),
    term: () => log.push(`term ${sequence}`),
    working: () => undefined,
  } as unknown as JsMsg;
}

function unit(log: string[], fail = false): UnitOfWork {
  return {
    deferDurability: (work) => work(),
    flush: () => {
      log.push('flush');
      return fail ? Promise.reject(new Error('disk gone')) : Promise.resolve();
    },
  };
}

const policy = (log: string[], failOn?: number): MessagePolicy => ({
  verify: (bytes) => trust.verifyBytes(bytes),
  deadLetter: () => Promise.resolve(),
  dispatch: (_envelope, context) => {
    log.push(`handle ${context.streamSequence}`);
    return context.streamSequence === failOn ? Promise.reject(new Error('boom')) : Promise.resolve('handled');
  },
  maxDeliver: 5,
  backoffMs: [10],
  logger: { log: () => undefined, warn: () => undefined, error: () => undefined },
});

describe('processBatch', () => {
  it('handles the batch in bus order, flushes once, and only then sends the verdicts', async () => {
    const log: string[] = [];
    await processBatch(
      [1, 2, 3].map((n) => delivery(n, log)),
      policy(log, 2),
      unit(log),
    );
    expect(log).toEqual(['handle 1', 'handle 2', 'handle 3', 'flush', 'ack 1', 'nak 2', 'ack 3']);
  });

  it('acks nothing when the flush fails: every decided message is retried', async () => {
    const log: string[] = [];
    await processBatch(
      [1, 2].map((n) => delivery(n, log)),
      policy(log),
      unit(log, true),
    );
    expect(log).toEqual(['handle 1', 'handle 2', 'flush', 'nak 1', 'nak 2']);
  });
});
