import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { deterministicId, EVENT_TYPES, mayEmit, parseIdentityId, subjectFor, Subjects, type Envelope } from '@countersign/contracts';
import { ownerOfSubject } from './parties';
import { bytesOf, signWith, tamper, type SigningKey } from './forgery';

/** A genuine envelope captured from the audit stream, to be forged in every way below. */
export interface Base {
  envelope: Envelope;
  /** Signed by an outside party (requester, approver): freshness and replay checks apply. */
  external: boolean;
}

export const MUTATIONS = [
  'unsigned',
  'garbage signature',
  'stranger’s key',
  'unknown key id',
  'another identity’s key',
  'valid signature, wrong identity for the type',
  'type swapped',
  'payload modified after signing',
  'attribute modified after signing',
  'truncated',
  're-encoded',
  'revoked key',
  'stale timestamp',
  'future timestamp',
  'replayed event id',
] as const;
export type Mutation = (typeof MUTATIONS)[number];
const EXTERNAL_ONLY: readonly Mutation[] = ['stale timestamp', 'future timestamp', 'replayed event id'];

/** The dead-letter codes each forgery may honestly get; the first check that fails decides. */
export const EXPECTED_CODES: Record<Mutation, readonly string[] | 'any'> = {
  unsigned: ['invalid_envelope'],
  'garbage signature': ['bad_signature'],
  'stranger’s key': ['bad_signature'],
  'unknown key id': ['unknown_key'],
  'another identity’s key': ['signer_mismatch'],
  'valid signature, wrong identity for the type': ['type_not_allowed'],
  'type swapped': ['type_not_allowed', 'bad_signature'],
  'payload modified after signing': ['bad_signature'],
  'attribute modified after signing': ['bad_signature'],
  truncated: ['malformed'],
  're-encoded': ['malformed', 'invalid_envelope'],
  'revoked key': ['revoked_key'],
  'stale timestamp': ['stale_timestamp'],
  'future timestamp': ['future_timestamp'],
  // Whatever the consumer calls it, a replayed id must be dead-lettered, not absorbed silently.
  'replayed event id': 'any',
};

export interface ForgeKit {
  bases: readonly Base[];
  /** Every identity whose key the test holds (all of them: it reads the stack's home). */
  keys: ReadonlyMap<string, SigningKey>;
  revoked: ReadonlyMap<string, SigningKey>;
  /** An approver who has not voted on the pending request: a fresh vote from them would count. */
  freshApprover: string;
  now: number;
}

export interface Variant {
  index: number;
  mutation: Mutation;
  baseType: string;
  subject: string;
  /** The NATS user allowed to publish on `subject`: the attacker holds its seed. */
  user: string;
  bytes: Uint8Array;
  /** The envelope, when the bytes still are one; undefined for truncated and re-encoded bytes. */
  envelope?: Envelope;
}

interface Draw {
  base: number;
  mutation: number;
  pick: number;
  shiftMs: number;
  text: string;
}

// noBias: an even spread over bases and kinds of forgery rather than a pile-up on the first ones.
const draw: fc.Arbitrary<Draw> = fc.noBias(
  fc.record({
    base: fc.nat(),
    mutation: fc.nat(),
    pick: fc.nat(),
    // More than the five minutes of allowed skew, up to a year.
    shiftMs: fc.integer({ min: 6 * 60_000, max: 365 * 24 * 3_600_000 }),
    text: fc.string({ minLength: 1, maxLength: 12 }),
  }),
);

/** `count` forged variants, reproducible from `seed` (printed by the spec). */
export function forgeVariants(kit: ForgeKit, seed: number, count: number): Variant[] {
  return fc.sample(draw, { seed, numRuns: count }).map((d, index) => forge(kit, d, index, seed));
}

function forge(kit: ForgeKit, d: Draw, index: number, seed: number): Variant {
  const base = kit.bases[d.base % kit.bases.length]!;
  const allowed = MUTATIONS.filter((mutation) => base.external || !EXTERNAL_ONLY.includes(mutation));
  const mutation = allowed[d.mutation % allowed.length]!;
  const envelope = base.envelope;
  const freshId = deterministicId(`${seed}:${index}`, 'forged');
  const keyOf = (identity: string) => kit.keys.get(identity)!;
  const pickFrom = <T>(list: readonly T[]) => list[d.pick % list.length]!;
  const plain = (forged: Envelope, subject = subjectFor(envelope)): Variant => ({
    index,
    mutation,
    baseType: envelope.type,
    subject,
    user: ownerOfSubject(subject),
    bytes: bytesOf(forged),
    envelope: forged,
  });
  const raw = (bytes: Uint8Array): Variant => {
    const { envelope: _notAnEnvelopeAnyMore, ...variant } = plain(envelope);
    return { ...variant, bytes };
  };
  switch (mutation) {
    case 'unsigned': {
      const { signature: _removed, ...unsigned } = envelope;
      return plain(unsigned as Envelope);
    }
    case 'garbage signature':
      return plain({ ...envelope, signature: Buffer.from(`${d.text}${d.pick}`.padEnd(64, 'x')).subarray(0, 64).toString('base64url') });
    case 'stranger’s key':
      return plain(signWith(envelope, { ...stranger, keyId: envelope.keyid }));
    case 'unknown key id':
      return plain(
        signWith(envelope, { ...stranger, keyId: `${envelope.signer}#${(d.pick % 0xffffffff).toString(16).padStart(16, 'f')}` }),
      );
    case 'another identity’s key':
      return plain(signWith(envelope, keyOf(pickFrom([...kit.keys.keys()].filter((id) => id !== envelope.signer)))));
    case 'valid signature, wrong identity for the type': {
      const { type } = envelope;
      const impostors = [...kit.keys.keys()].filter((id) => !mayEmit(type as never, parseIdentityId(id).kind, parseIdentityId(id).name));
      const impostor = pickFrom(impostors);
      return plain(signWith(envelope, keyOf(impostor), { signer: impostor, source: `countersign/${impostor}` }));
    }
    case 'type swapped':
      return plain(tamper(envelope, { type: pickFrom(Object.keys(EVENT_TYPES).filter((type) => type !== envelope.type)) }));
    case 'payload modified after signing':
      return plain(tamper(envelope, { data: modify(envelope.data, d) }));
    case 'attribute modified after signing':
      return plain(tamper(envelope, modifyAttribute(envelope, d, freshId)));
    case 'truncated': {
      const bytes = bytesOf(envelope);
      return raw(bytes.subarray(0, 1 + (d.pick % (bytes.length - 1))));
    }
    case 're-encoded':
      return raw(reencode(JSON.stringify(envelope), d.pick));
    case 'revoked key':
      return plain(signWith(envelope, kit.revoked.get(envelope.signer)!));
    case 'stale timestamp':
    case 'future timestamp':
      return retimed(kit, base, mutation === 'stale timestamp' ? -d.shiftMs : d.shiftMs, freshId, plain);
    case 'replayed event id':
      return plain(envelope);
  }
}

const stranger: Omit<SigningKey, 'keyId'> = { key: generateKeyPairSync('ed25519').privateKey };

/**
 * A captured external event re-signed by its real signer with a time outside the allowed skew and
 * a new id: a vote by an approver who has not voted yet (it would complete the quorum), a
 * submission for a new request id (it would be accepted and run). Only the clock can stop them.
 */
function retimed(kit: ForgeKit, base: Base, shiftMs: number, freshId: string, plain: (e: Envelope, subject?: string) => Variant): Variant {
  const time = new Date(kit.now + shiftMs).toISOString();
  const { envelope } = base;
  const data = envelope.data as Record<string, unknown>;
  if (parseIdentityId(envelope.signer).kind === 'approver') {
    const voter = `approver:${kit.freshApprover}`;
    const signed = signWith(envelope, kit.keys.get(voter)!, { id: freshId, time, signer: voter, source: `countersign/${voter}` });
    return plain(signed, Subjects.vote(kit.freshApprover));
  }
  const requestId = deterministicId(freshId, 'request');
  return plain(signWith(envelope, kit.keys.get(envelope.signer)!, { id: freshId, time, subject: requestId, data: { ...data, requestId } }));
}

/** Changes one leaf of the payload, or adds or removes a field: anything the signature covers. */
function modify(data: unknown, d: Draw): unknown {
  const copy = JSON.parse(JSON.stringify(data)) as Record<string, unknown>;
  const keys = Object.keys(copy);
  const key = keys[d.pick % Math.max(1, keys.length)];
  const choice = d.pick % 4;
  if (key === undefined || choice === 0) return { ...copy, [`injected_${d.text}`]: d.text };
  if (choice === 1) {
    const { [key]: _removed, ...rest } = copy;
    return rest;
  }
  const value = copy[key];
  copy[key] = typeof value === 'string' ? `${value}${d.text}` : typeof value === 'number' ? value + 1 : { was: value ?? null, now: d.text };
  return copy;
}

function modifyAttribute(envelope: Envelope, d: Draw, freshId: string): Partial<Envelope> {
  const choices: Array<Partial<Envelope>> = [
    { id: freshId },
    { subject: freshId },
    { time: new Date(Date.parse(envelope.time) + 1 + (d.pick % 60_000)).toISOString() },
    { source: `countersign/${d.text.replace(/[^a-z]/g, '') || 'evil'}` },
    { correlationid: freshId },
  ];
  return choices[d.pick % choices.length]!;
}

function reencode(json: string, pick: number): Uint8Array {
  const encodings = [
    () => Buffer.from(json, 'utf16le'),
    () => Buffer.from(Buffer.from(json).toString('base64')),
    () => bytesOf(json),
    () => bytesOf([JSON.parse(json)]),
  ];
  return new Uint8Array(encodings[pick % encodings.length]!());
}
