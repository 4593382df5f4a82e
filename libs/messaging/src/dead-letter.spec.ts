import { createHash } from 'node:crypto';
import { MessageDeadLetteredV1 } from '@countersign/contracts';
import { DEAD_LETTER_MAX_ERRORS, DEAD_LETTER_PAYLOAD_BYTES, toDeadLetterData, type DeadLetter } from './dead-letter';

const NOW = '2026-11-21T10:00:00.000Z';
const letter = (overrides: Partial<DeadLetter> = {}): DeadLetter => ({
  code: 'bad_signature',
  message: 'signature does not verify',
  subject: 'cs.evt.intake.request.accepted.v1',
  stream: 'CS_EVENTS',
  streamSequence: 42,
  deliveries: 1,
  consumer: 'approval-intake',
  payload: Buffer.from('{"hello":"world"}'),
  ...overrides,
});

describe('toDeadLetterData', () => {
  it('produces a valid MessageDeadLettered payload that carries the message whole when it is small', () => {
    const data = toDeadLetterData(letter({ claimedSigner: 'service:intake' }), NOW);
    expect(MessageDeadLetteredV1.parse(data)).toEqual(data);
    expect(data).toMatchObject({ code: 'bad_signature', streamSequence: 42, claimedSigner: 'service:intake', deadLetteredAt: NOW });
    expect(Buffer.from(data.payloadBase64, 'base64').toString()).toBe('{"hello":"world"}');
    expect(data.payloadSha256).toBe(createHash('sha256').update('{"hello":"world"}').digest('hex'));
  });

  it('cuts a large payload to the bound but hashes all of it, so the cut is detectable', () => {
    const payload = Buffer.alloc(DEAD_LETTER_PAYLOAD_BYTES * 3, 0x61);
    const data = toDeadLetterData(letter({ payload }), NOW);
    expect(Buffer.from(data.payloadBase64, 'base64')).toHaveLength(DEAD_LETTER_PAYLOAD_BYTES);
    expect(data.payloadSha256).toBe(createHash('sha256').update(payload).digest('hex'));
  });

  it('bounds hostile error lists and texts, and drops a claimed signer that is not an identity id', () => {
    const errors = Array.from({ length: 5_000 }, (_, i) => ({ path: `field${i}`, code: 'x'.repeat(10_000), message: 'bad' }));
    const data = toDeadLetterData(letter({ errors, message: 'm'.repeat(10_000), claimedSigner: 'Robert"); DROP' }), NOW);
    expect(data.errors).toHaveLength(DEAD_LETTER_MAX_ERRORS);
    expect(data.errors![0]!.code.length).toBeLessThanOrEqual(200);
    expect(data.message.length).toBeLessThanOrEqual(2_000);
    expect(data).not.toHaveProperty('claimedSigner');
  });

  it('works on a view into a larger buffer (as NATS hands payloads over)', () => {
    const backing = Buffer.from('xxxx{"a":1}yyyy');
    const view = new Uint8Array(backing.buffer, backing.byteOffset + 4, 7);
    expect(Buffer.from(toDeadLetterData(letter({ payload: view }), NOW).payloadBase64, 'base64').toString()).toBe('{"a":1}');
  });
});
