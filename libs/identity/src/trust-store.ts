import type { KeyObject } from 'node:crypto';
import { z } from 'zod';
import {
  bytesLimitProblem,
  ENVELOPE_LIMITS,
  EnvelopeSchema,
  EXTERNAL_ENVELOPE_LIMITS,
  inputLimitProblem,
  EVENT_TYPES,
  IdentityId,
  isEventType,
  mayEmit,
  parseIdentityId,
  parseJson,
  parseWith,
  type Envelope,
  type EventData,
  type EventType,
  type FieldError,
  Timestamp,
} from '@countersign/contracts';
import { KEY_STATUSES, keyStanding, type KeyStatus } from './key-standing';
import { importPublicKey } from './keys';
import { signingInput, verifyEnvelopeSignature } from './signing';
import { VerifiedSignatures } from './verified-signatures';

export const TrustedKey = z
  .object({
    keyId: z.string().min(1),
    publicKey: z.string().min(1),
    status: z.enum(KEY_STATUSES),
    /** Required for `retired`: events witnessed from this instant on are refused (see keyStanding). */
    retiredAt: Timestamp.optional(),
  })
  .refine((key) => key.status !== 'retired' || key.retiredAt !== undefined, {
    message: 'a retired key needs retiredAt',
    path: ['retiredAt'],
  });

export const TrustedIdentity = z.object({
  id: IdentityId,
  signingKeys: z.array(TrustedKey),
  encryptionKeys: z.array(TrustedKey).default([]),
});

/** The public half of provisioning: who exists and which keys speak for them. */
export const TrustStoreDocument = z.object({
  version: z.literal(1),
  environment: z.string().min(1),
  identities: z.array(TrustedIdentity),
});
export type TrustStoreDocument = z.infer<typeof TrustStoreDocument>;

export const REJECTION_CODES = [
  'input_limit',
  'malformed',
  'invalid_envelope',
  'unknown_type',
  'unknown_key',
  'revoked_key',
  'retired_key',
  'signer_mismatch',
  'type_not_allowed',
  'bad_signature',
  'future_timestamp',
  'stale_timestamp',
  'invalid_data',
] as const;
export type RejectionCode = (typeof REJECTION_CODES)[number];

export interface Rejection {
  ok: false;
  code: RejectionCode;
  message: string;
  /** The identity the message claimed to come from, when it got far enough to say. */
  claimedSigner?: string;
  errors?: FieldError[];
  /**
   * Set only for `invalid_data`: the signature held, so the envelope is authentic even though its
   * payload is not valid. Intake uses it to answer the requester with field errors.
   */
  authentic?: Envelope;
}

/**
 * How fresh an event from an outside party must be: its signed `time` may lie at most `maxSkewMs`
 * before or after `now`. `now` is the moment the event entered the system (the bus consumer uses
 * the time JetStream stored the message, so a consumer that was down does not turn old-but-honest
 * traffic into rejections).
 */
export interface Freshness {
  now: Date;
  maxSkewMs: number;
}

/** Five minutes either way, as Slack allows for its signed requests. */
export const DEFAULT_MAX_SKEW_MS = 5 * 60_000;

/**
 * Types signed by parties outside the system (requesters, approvers): the ingress points where a
 * captured message could be replayed. Derived from the emitter table so a new external type is
 * covered without anyone remembering to list it here.
 */
export function isExternalIngressType(type: string): boolean {
  return isEventType(type) && 'kind' in EVENT_TYPES[type].emitter;
}

export type Verified<T extends EventType = EventType> = { ok: true; envelope: Envelope<EventData<T>>; type: T };
export type Verification = Verified | Rejection;

interface KeyEntry {
  identity: string;
  status: KeyStatus;
  retiredAt?: string;
  key: KeyObject;
}

/**
 * Decides whether an envelope may be believed: known key, key belongs to the claimed signer, key in
 * good standing when the event was witnessed (keyStanding: not revoked, not retired by then), signer
 * allowed to emit the type, signature valid, payload valid for the type.
 * KeyObjects are imported once; re-importing per verify costs 1.7x.
 */
export class TrustStore {
  private readonly signingKeys = new Map<string, KeyEntry>();
  private readonly encryptionKeys = new Map<string, KeyEntry>();
  private readonly verified = new VerifiedSignatures();

  constructor(readonly document: TrustStoreDocument) {
    for (const identity of document.identities) {
      for (const key of identity.signingKeys) this.signingKeys.set(key.keyId, entry(identity.id, key));
      for (const key of identity.encryptionKeys) this.encryptionKeys.set(key.keyId, entry(identity.id, key));
    }
  }

  static parse(json: unknown): TrustStore {
    return new TrustStore(TrustStoreDocument.parse(json));
  }

  knows(identity: string): boolean {
    return this.document.identities.some((candidate) => candidate.id === identity);
  }

  /**
   * The active signing key of an identity with its id, for JWT verification by the executor and
   * targets: they pin both, so a token naming any other key id is refused before any crypto.
   */
  activeSigningKey(identity: string): { keyId: string; key: KeyObject } | undefined {
    return activeKey(this.signingKeys, identity);
  }

  /**
   * The signing key `keyId` of `identity`, if it stands at `witnessedAt` (keyStanding): for tokens
   * whose header names the key (the broker's JWTs), so a token minted with a key retired since, but
   * seen within its overlap, still verifies. A key of another identity is never returned.
   */
  signingKeyFor(identity: string, keyId: string, witnessedAt: Date): { keyId: string; key: KeyObject } | undefined {
    const candidate = this.signingKeys.get(keyId);
    if (!candidate || candidate.identity !== identity || !keyStanding(keyId, candidate, witnessedAt).ok) return undefined;
    return { keyId, key: candidate.key };
  }

  activeEncryptionKey(identity: string): { keyId: string; key: KeyObject } | undefined {
    return activeKey(this.encryptionKeys, identity);
  }

  /**
   * Every byte ingress (NATS, HTTP): the largest size any envelope may have before parsing, strict
   * UTF-8, JSON, the exact size for the envelope's kind (an outside party's is smaller), then `verify`.
   */
  verifyBytes(bytes: Uint8Array | string, freshness?: Freshness): Verification {
    const raw = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
    const tooLarge = bytesLimitProblem(raw);
    if (tooLarge) return limitRejection(tooLarge);
    const json = parseJson(raw);
    if (!json.ok) return { ok: false, code: 'malformed', message: 'payload is not JSON', errors: json.errors };
    const tooLargeForKind = bytesLimitProblem(raw, limitsFor(json.value));
    if (tooLargeForKind) return { ...limitRejection(tooLargeForKind), ...claimed(json.value) };
    return this.verify(json.value, freshness);
  }

  /**
   * With `freshness`, an external ingress event whose signed time is too far from `now` is refused.
   * Service events are exempt on purpose: the outbox relay may publish them long after they were
   * signed (a service, the bus or the store was down for an hour), and refusing them then would
   * lose decisions that were already taken. They are bound to their cause by deterministic ids and
   * digests instead, and replaying one is absorbed by the consumers' idempotency.
   *
   * `witnessedAt` (default: `freshness.now`, when the event entered the system) is the time another
   * party saw the event; a retired key verifies only what was witnessed before its retirement.
   */
  verify(candidate: unknown, freshness?: Freshness, witnessedAt: Date | undefined = freshness?.now): Verification {
    // Before anything recursive (schema, canonical bytes, digest) reads the candidate.
    const beyond = inputLimitProblem(candidate, limitsFor(candidate));
    if (beyond) return { ...limitRejection(beyond), ...claimed(candidate) };
    const parsed = parseWith(EnvelopeSchema, candidate);
    if (!parsed.ok) {
      return { ok: false, code: 'invalid_envelope', message: 'not a Countersign envelope', errors: parsed.errors, ...claimed(candidate) };
    }
    const envelope = parsed.value as Envelope;
    const fail = (code: RejectionCode, message: string, errors?: FieldError[]): Rejection => ({
      ok: false,
      code,
      message,
      claimedSigner: envelope.signer,
      ...(errors ? { errors } : {}),
    });
    if (!isEventType(envelope.type)) return fail('unknown_type', `unknown event type ${envelope.type}`);
    const key = this.signingKeys.get(envelope.keyid);
    if (!key) return fail('unknown_key', `unknown key ${envelope.keyid}`);
    if (key.identity !== envelope.signer) return fail('signer_mismatch', `key ${envelope.keyid} does not belong to ${envelope.signer}`);
    const standing = keyStanding(envelope.keyid, key, witnessedAt);
    if (!standing.ok) return fail(standing.code, standing.message);
    const { kind, name } = parseIdentityId(envelope.signer);
    if (!mayEmit(envelope.type, kind, name)) return fail('type_not_allowed', `${envelope.signer} may not emit ${envelope.type}`);
    if (!this.signatureHolds(envelope, key.key)) return fail('bad_signature', 'signature does not verify');
    // After the signature: only a time the signer really vouched for is worth judging.
    const untimely = freshness && isExternalIngressType(envelope.type) ? timeliness(envelope.time, freshness) : undefined;
    if (untimely) return fail(untimely.code, untimely.message, [{ path: 'time', code: untimely.code, message: untimely.message }]);
    const data = parseWith(EVENT_TYPES[envelope.type].schema, envelope.data, 'data');
    if (!data.ok) return { ...fail('invalid_data', `data does not match ${envelope.type}`, data.errors), authentic: envelope };
    return { ok: true, envelope: { ...envelope, data: data.value }, type: envelope.type };
  }

  /**
   * What outside parties sign (submissions, votes) is carried on as evidence in services' events
   * and verified again by the same consumer: those signatures are remembered (VerifiedSignatures).
   * Services' own events are verified once each anyway.
   */
  private signatureHolds(envelope: Envelope, key: KeyObject): boolean {
    if (!isExternalIngressType(envelope.type)) return verifyEnvelopeSignature(envelope, key);
    let signed: Buffer;
    try {
      signed = signingInput(envelope);
    } catch {
      return false; // not canonicalizable, so not verifiable: what verifyEnvelopeSignature answers too
    }
    return this.verified.holds(envelope.keyid, envelope.signature, signed, () => verifyEnvelopeSignature(envelope, key, signed));
  }
}

function limitRejection(problem: FieldError): Rejection {
  return { ok: false, code: 'input_limit', message: `payload exceeds an input limit: ${problem.message}`, errors: [problem] };
}

/** Outside parties' envelopes get the tighter bounds, so services can still wrap what they accept. */
function limitsFor(candidate: unknown) {
  const type = (candidate as { type?: unknown } | null)?.type;
  return typeof type === 'string' && isExternalIngressType(type) ? EXTERNAL_ENVELOPE_LIMITS : ENVELOPE_LIMITS;
}

function timeliness(time: string, { now, maxSkewMs }: Freshness): { code: RejectionCode; message: string } | undefined {
  const drift = Date.parse(time) - now.getTime();
  if (Number.isNaN(drift)) return { code: 'invalid_envelope', message: `time ${time} is not a date` };
  if (drift > maxSkewMs) return { code: 'future_timestamp', message: `time ${time} is ${drift} ms ahead of ${now.toISOString()}` };
  if (-drift > maxSkewMs) return { code: 'stale_timestamp', message: `time ${time} is ${-drift} ms older than ${now.toISOString()}` };
  return undefined;
}

function entry(identity: string, key: z.infer<typeof TrustedKey>): KeyEntry {
  return { identity, status: key.status, ...(key.retiredAt ? { retiredAt: key.retiredAt } : {}), key: importPublicKey(key.publicKey) };
}

function activeKey(keys: Map<string, KeyEntry>, identity: string): { keyId: string; key: KeyObject } | undefined {
  for (const [keyId, candidate] of keys) {
    if (candidate.identity === identity && candidate.status === 'active') return { keyId, key: candidate.key };
  }
  return undefined;
}

function claimed(candidate: unknown): { claimedSigner?: string } {
  const signer = (candidate as { signer?: unknown } | null)?.signer;
  return typeof signer === 'string' && IdentityId.safeParse(signer).success ? { claimedSigner: signer } : {};
}
