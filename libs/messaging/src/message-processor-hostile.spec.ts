import type { JsMsg } from 'nats';
import { canonicalJson, ENVELOPE_LIMITS, EXTERNAL_ENVELOPE_LIMITS } from '@countersign/contracts';
import { processMessage, type Dispatch, type MessagePolicy } from './message-processor';
import { recordingPolicy } from './testing/processor-harness';
import { testIdentities, testSubmission } from './testing/envelopes';

const { signers, trust } = testIdentities(['requester:deploy-bot']);
const requester = signers['requester:deploy-bot']!;
const NOW = new Date('2026-11-21T10:00:00.000Z');

/** One delivery of raw bytes, recording how it was settled. */
function delivery(data: Uint8Array, options: { term?: () => void } = {}) {
  const settled: string[] = [];
  const msg = {
    subject: 'cs.submit.deploy-bot',
    data,
    info: {
      stream: 'CS_SUBMISSIONS',
      consumer: 'intake-submissions',
      streamSequence: 9,
      deliveryCount: 1,
      timestampNanos: NOW.getTime() * 1e6,
    },
    ackAck: () => Promise.resolve(void settled.push('ack')),
    nak: (delay?: number) => void settled.push(`nak ${delay}`),
    term: options.term ?? (() => void settled.push('term')),
    working: () => undefined,
  } as unknown as JsMsg;
  return { msg, settled };
}

const harness = (extra: Partial<MessagePolicy> = {}) => recordingPolicy(trust, extra);

/** `{"a":{"a":...}}` as text, `depth` levels deep: JSON.stringify would recurse. */
const deepText = (depth: number) => `${'{"a":'.repeat(depth)}0${'}'.repeat(depth)}`;

/** A submission signed by its real requester, with parameters nested `depth` levels. */
function deepSignedSubmission(depth: number): Buffer {
  const base = testSubmission(requester, NOW.toISOString()) as unknown as { data: { action: { parameters: unknown } } };
  const text = JSON.stringify({ ...base, data: { ...base.data, action: { ...base.data.action, parameters: { p: 'PLACEHOLDER' } } } });
  return Buffer.from(text.replace('"PLACEHOLDER"', deepText(depth)));
}

describe('processMessage on hostile input: never throws, always settles', () => {
  it.each([
    ['2,000 levels of nesting', Buffer.from(deepText(2_000)), 'input_limit', 'too_deep'],
    ['a payload over the size limit', Buffer.from(JSON.stringify({ x: 'y'.repeat(ENVELOPE_LIMITS.maxBytes) })), 'input_limit', 'too_large'],
    ['bytes that are not UTF-8', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), 'malformed', 'invalid_utf8'],
    ['bytes that are not JSON', Buffer.from('not json at all'), 'malformed', 'invalid_json'],
    ['a __proto__ key', Buffer.from('{"__proto__":{"polluted":true}}'), 'input_limit', 'forbidden_key'],
    ['a signed submission 2,000 levels deep', deepSignedSubmission(2_000), 'input_limit', 'too_deep'],
  ])('dead-letters %s with the limit named, without calling the handler', async (_name, bytes, code, fieldCode) => {
    const { policy, letters, handled } = harness();
    const { msg, settled } = delivery(bytes);
    expect(await processMessage(msg, policy)).toBe('dead_lettered');
    expect(settled).toEqual(['term']);
    expect(handled).toEqual([]);
    expect(letters[0]).toMatchObject({ code, errors: [expect.objectContaining({ code: fieldCode })] });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('holds an outside party to the tighter depth limit, and passes a submission just inside it', async () => {
    // envelope, data and action are three levels; `parameters` is the first of the generated ones.
    const inside = EXTERNAL_ENVELOPE_LIMITS.maxDepth - 3;
    const ok = harness();
    expect(await processMessage(delivery(signedWithDepth(inside)).msg, ok.policy)).toBe('acked');
    const deep = harness();
    expect(await processMessage(delivery(signedWithDepth(inside + 1)).msg, deep.policy)).toBe('dead_lettered');
    expect(deep.letters[0]).toMatchObject({
      code: 'input_limit',
      errors: [{ code: 'too_deep', path: expect.stringContaining('data.action.parameters.p') }],
    });
  });

  it('dead-letters a message whose verification throws instead of stopping the consumer', async () => {
    const { policy, letters } = harness({
      verify: () => {
        throw new RangeError('Maximum call stack size exceeded');
      },
    });
    const { msg, settled } = delivery(Buffer.from('{}'));
    expect(await processMessage(msg, policy)).toBe('dead_lettered');
    expect(settled).toEqual(['term']);
    expect(letters[0]).toMatchObject({ code: 'unprocessable', message: 'Maximum call stack size exceeded', streamSequence: 9 });
  });

  it('dead-letters at once a handler that crosses a limit deep in a library (no retries for a value that will not change)', async () => {
    const dispatch: Dispatch = () =>
      Promise.resolve(canonicalJson(JSON.parse(`${'['.repeat(500)}${']'.repeat(500)}`))).then(() => 'handled' as const);
    const { policy, letters } = harness({ dispatch });
    const { msg, settled } = delivery(signedWithDepth(3));
    expect(await processMessage(msg, policy)).toBe('dead_lettered');
    expect(settled).toEqual(['term']);
    expect(letters[0]).toMatchObject({ code: 'input_limit', errors: [{ code: 'too_deep' }] });
  });

  it('leaves the message for redelivery, still without throwing, when even settling it throws', async () => {
    const { policy, logged } = harness({
      verify: () => {
        throw new Error('verifier broke');
      },
    });
    const { msg } = delivery(Buffer.from('{}'), {
      term: () => {
        throw new Error('connection closed');
      },
    });
    expect(await processMessage(msg, policy)).toBe('retried');
    expect(logged.join('\n')).toContain('verifier broke');
  });

  it('survives a logger that throws too', async () => {
    const throwing = () => {
      throw new Error('log sink full');
    };
    const { policy } = harness({
      verify: () => {
        throw new Error('verifier broke');
      },
      logger: { log: throwing, warn: throwing, error: throwing },
    });
    expect(await processMessage(delivery(Buffer.from('{}')).msg, policy)).toBe('retried');
  });
});

function signedWithDepth(depth: number): Buffer {
  let parameters: unknown = 'leaf';
  for (let level = 0; level < depth; level += 1) parameters = { p: parameters };
  const base = testSubmission(requester, NOW.toISOString()) as unknown as { id: string; subject: string; data: { action: object } };
  const data = { ...base.data, action: { ...base.data.action, parameters } };
  return Buffer.from(
    JSON.stringify(
      requester.sign({ id: base.id, type: 'countersign.request.submitted.v1', subject: base.subject, time: NOW.toISOString(), data }),
    ),
  );
}
