import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { ENVELOPE_LIMITS, EventTypes, EXTERNAL_ENVELOPE_LIMITS, type Envelope } from '@countersign/contracts';
import type { EnvelopeSigner } from '@countersign/identity';

/**
 * Generated hostile submissions (fast-check, one seed reproduces a run). Each is a body of bytes
 * with the kind of attack it stands for; the spec sends it over NATS or HTTP and judges the answer.
 */
export interface HostileBody {
  kind: HostileKind;
  bytes: Buffer;
}

export const HOSTILE_KINDS = [
  'random_json',
  'envelope_shaped',
  'deep_nesting',
  'signed_deep',
  'huge_string',
  'too_large',
  'prototype_keys',
  'bad_utf8',
  'not_json',
  'tampered',
  'stale',
  'future',
  'authentic_invalid',
] as const;
export type HostileKind = (typeof HOSTILE_KINDS)[number];

/** Largest body a NATS client may publish on the test server: max_payload, the service envelopes' limit. */
export const NATS_MAX_PAYLOAD = ENVELOPE_LIMITS.maxBytes;

const MINUTE = 60_000;

const deploy = () => ({
  kind: 'http.request',
  target: 'demo-staging',
  environment: 'staging',
  parameters: { method: 'POST', path: '/deploy', body: { version: '3.0.0' } },
});

const json = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8');

/** `[[[…]]]` or `{"a":{"a":…}}` as text: building it as a value and stringifying would recurse. */
const deepText = (depth: number, object: boolean) =>
  object ? `${'{"a":'.repeat(depth)}0${'}'.repeat(depth)}` : `${'['.repeat(depth)}${']'.repeat(depth)}`;

export class HostileFactory {
  constructor(
    private readonly signer: EnvelopeSigner,
    private readonly now: () => number = Date.now,
  ) {}

  /** A genuine submission, signed now (or at `at`), with `data` changed by `edit` before signing. */
  signed(edit: (data: Record<string, unknown>) => Record<string, unknown> = (data) => data, at?: number): Envelope {
    const requestId = randomUUID();
    const data = edit({ requestId, action: deploy(), reason: 'hostile-input suite' });
    const time = new Date(at ?? this.now()).toISOString();
    return this.signer.sign({ id: randomUUID(), type: EventTypes.RequestSubmitted, subject: requestId, time, data });
  }

  /** Every hostile kind, weighted so cheap variants dominate and the expensive ones still appear. */
  arbitrary(): fc.Arbitrary<HostileBody> {
    return fc.oneof(
      { weight: 14, arbitrary: this.randomJson() },
      { weight: 14, arbitrary: this.envelopeShaped() },
      { weight: 8, arbitrary: this.deepNesting() },
      { weight: 5, arbitrary: this.signedDeep() },
      { weight: 2, arbitrary: this.hugeString() },
      { weight: 1, arbitrary: this.tooLarge() },
      { weight: 8, arbitrary: this.prototypeKeys() },
      { weight: 8, arbitrary: this.badUtf8() },
      { weight: 8, arbitrary: this.notJson() },
      { weight: 12, arbitrary: this.tampered() },
      { weight: 6, arbitrary: this.untimely('stale') },
      { weight: 3, arbitrary: this.untimely('future') },
      { weight: 6, arbitrary: this.authenticInvalid() },
    );
  }

  private randomJson(): fc.Arbitrary<HostileBody> {
    return fc.jsonValue({ maxDepth: 6 }).map((value) => ({ kind: 'random_json', bytes: json(value) }));
  }

  /** An envelope's attribute names with random values, so the schema (not the parser) has to refuse it. */
  private envelopeShaped(): fc.Arbitrary<HostileBody> {
    const attributes = [
      'specversion',
      'id',
      'source',
      'type',
      'subject',
      'time',
      'datacontenttype',
      'data',
      'signer',
      'keyid',
      'signature',
    ];
    return fc
      .tuple(
        fc.constantFrom(...attributes),
        fc.jsonValue({ maxDepth: 4 }),
        fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 }),
      )
      .map(([attribute, value, extra]) => {
        const envelope = { ...this.signed(), ...extra } as Record<string, unknown>;
        envelope[attribute] = value;
        return { kind: 'envelope_shaped', bytes: json(envelope) };
      });
  }

  /** 2,000 to 40,000 levels, alone or as the data of an otherwise well-formed envelope. */
  private deepNesting(): fc.Arbitrary<HostileBody> {
    return fc.tuple(fc.integer({ min: 2_000, max: 40_000 }), fc.boolean(), fc.boolean()).map(([depth, object, wrapped]) => {
      const deep = deepText(depth, object);
      if (!wrapped) return { kind: 'deep_nesting', bytes: Buffer.from(deep) };
      const envelope = JSON.stringify({ ...this.signed(), data: 'DEEP' }).replace('"DEEP"', deep);
      return { kind: 'deep_nesting', bytes: Buffer.from(envelope) };
    });
  }

  /** Validly signed by the real requester, just deeper than an outside party may nest (33-120 levels). */
  private signedDeep(): fc.Arbitrary<HostileBody> {
    return fc.integer({ min: 33, max: 120 }).map((depth) => {
      let nested: unknown = 'leaf';
      for (let level = 0; level < depth; level += 1) nested = level % 2 ? [nested] : { n: nested };
      const envelope = this.signed((data) => ({ ...data, action: { ...deploy(), parameters: { nested } } }));
      return { kind: 'signed_deep', bytes: json(envelope) };
    });
  }

  /** One string longer than any string may be, signed, inside the size limit. */
  private hugeString(): fc.Arbitrary<HostileBody> {
    return fc.integer({ min: ENVELOPE_LIMITS.maxStringLength + 1, max: ENVELOPE_LIMITS.maxStringLength * 2 }).map((length) => ({
      kind: 'huge_string',
      bytes: json(this.signed((data) => ({ ...data, reason: 'r'.repeat(length) }))),
    }));
  }

  /** Over the byte limit but still under NATS max_payload: the service, not the bus, must refuse it. */
  private tooLarge(): fc.Arbitrary<HostileBody> {
    return fc.integer({ min: EXTERNAL_ENVELOPE_LIMITS.maxBytes + 2_000, max: NATS_MAX_PAYLOAD - 2_000 }).map((size) => {
      // Strings of 50,000 characters, each within the string limit, adding up to about `size` bytes.
      const total = size - 1_000;
      const pieces = Array.from({ length: Math.ceil(total / 50_000) }, (_, index) => 'x'.repeat(Math.min(50_000, total - index * 50_000)));
      return { kind: 'too_large', bytes: json(this.signed((data) => ({ ...data, action: { ...deploy(), parameters: { pieces } } }))) };
    });
  }

  /** `__proto__` anywhere is refused; `constructor`/`prototype` are plain data the schema rejects. */
  private prototypeKeys(): fc.Arbitrary<HostileBody> {
    const key = fc.constantFrom('__proto__', 'constructor', 'prototype');
    const place = fc.constantFrom('envelope', 'data', 'parameters', 'nested');
    return fc.tuple(key, place).map(([name, where]) => {
      // JSON.parse makes an own "__proto__" key; object spread copies it as data, never as a prototype.
      const payload = JSON.parse(`{"${name}":{"polluted":true,"isAdmin":true}}`) as Record<string, unknown>;
      const parameters = (extra: object) => ({ ...deploy(), parameters: { ...deploy().parameters, ...extra } });
      const edits: Record<typeof where, (data: Record<string, unknown>) => Record<string, unknown>> = {
        envelope: (data) => data,
        data: (data) => ({ ...data, ...payload }),
        parameters: (data) => ({ ...data, action: parameters(payload) }),
        nested: (data) => ({ ...data, action: parameters({ body: payload }) }),
      };
      // Inside parameters only __proto__: `constructor` there is legal data and would really execute.
      const envelope = this.signed(edits[name === '__proto__' ? where : where === 'envelope' ? 'envelope' : 'data']);
      return { kind: 'prototype_keys', bytes: json(where === 'envelope' ? { ...envelope, ...payload } : envelope) };
    });
  }

  /** A signed envelope with invalid UTF-8 sequences (lone continuation bytes, overlongs, surrogates) in a string. */
  private badUtf8(): fc.Arbitrary<HostileBody> {
    const sequences = [[0x80], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xff], [0xc3]];
    return fc.constantFrom(...sequences).map((sequence) => {
      const text = JSON.stringify(this.signed());
      const at = text.indexOf('hostile-input suite');
      const bytes = Buffer.concat([Buffer.from(text.slice(0, at)), Buffer.from(sequence), Buffer.from(text.slice(at))]);
      return { kind: 'bad_utf8', bytes };
    });
  }

  private notJson(): fc.Arbitrary<HostileBody> {
    const garbage = fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 512 }).map((bytes) => Buffer.from(bytes)),
      fc.string({ maxLength: 200 }).map((text) => Buffer.from(`{${text}`)),
      fc.constant(Buffer.from(JSON.stringify(this.signed())).subarray(0, 120)),
      fc.constantFrom('', ' ', 'null', 'NaN', '{"a":1}{"b":2}', '<xml/>', '\u0000').map((text) => Buffer.from(text)),
    );
    return garbage.map((bytes) => ({ kind: 'not_json', bytes }));
  }

  /** Validly signed, then one attribute changed: the signature (or the key/signer check) must fail. */
  private tampered(): fc.Arbitrary<HostileBody> {
    const edits: Array<(envelope: Record<string, unknown>) => void> = [
      (envelope) => void (envelope.data = { ...(envelope.data as object), reason: 'changed after signing' }),
      (envelope) => void ((envelope.data as { action: { environment: string } }).action.environment = 'production'),
      (envelope) => void (envelope.time = new Date(Date.parse(envelope.time as string) + 1_000).toISOString()),
      (envelope) => void (envelope.id = randomUUID()),
      (envelope) => void (envelope.signer = 'requester:payments-agent'),
      (envelope) => void (envelope.keyid = `${String(envelope.keyid)}x`),
      (envelope) =>
        void (envelope.signature = `${(envelope.signature as string).slice(0, 85)}${(envelope.signature as string).endsWith('A') ? 'B' : 'A'}`),
      (envelope) => void (envelope.type = EventTypes.VoteCast),
    ];
    return fc.nat(edits.length - 1).map((index) => {
      const envelope = structuredClone(this.signed()) as unknown as Record<string, unknown>;
      edits[index]!(envelope);
      return { kind: 'tampered', bytes: json(envelope) };
    });
  }

  /**
   * Signed by the real requester at a time outside the allowed skew (5 minutes). Future ones lie an
   * hour or more ahead: bodies are generated before a run of minutes, and one only 6 minutes ahead
   * when made would be fresh, and rightly accepted, by the time it is sent.
   */
  private untimely(kind: 'stale' | 'future'): fc.Arbitrary<HostileBody> {
    return fc.integer({ min: (kind === 'stale' ? 6 : 60) * MINUTE, max: 365 * 24 * 60 * MINUTE }).map((offset) => {
      const at = this.now() + (kind === 'stale' ? -offset : offset);
      return { kind, bytes: json(this.signed(undefined, at)) };
    });
  }

  /** Validly signed and fresh, but its data is not a valid submission: intake answers it (rejected). */
  private authenticInvalid(): fc.Arbitrary<HostileBody> {
    const breakages: Array<(data: Record<string, unknown>) => Record<string, unknown>> = [
      (data) => ({ ...data, action: { ...deploy(), environment: '' } }),
      (data) => ({ ...data, action: { ...deploy(), kind: 'NOT A KIND' } }),
      (data) => ({ ...data, action: { ...deploy(), parameters: { list: new Array(101).fill(1) } } }),
      (data) => ({ ...data, action: { ...deploy(), parameters: { s: 'x'.repeat(5_000) } } }),
      (data) => ({ ...data, reason: 42 }),
      (data) => ({ ...data, unexpected: true }),
    ];
    return fc.nat(breakages.length - 1).map((index) => {
      const envelope = this.signed(breakages[index]);
      return { kind: 'authentic_invalid', bytes: json(envelope), submissionId: envelope.id };
    });
  }
}
