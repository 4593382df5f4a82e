import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { canonicalJson, type Envelope, type UnsignedEnvelope, SPEC_VERSION } from '@countersign/contracts';
import { importPrivateKey, type StoredKeyPair } from './keys';

/** The exact bytes a signature covers: every attribute but `signature`, RFC 8785 canonicalized. */
export function signingInput(envelope: UnsignedEnvelope | Envelope): Buffer {
  const { signature: _omit, ...unsigned } = envelope as Envelope;
  return Buffer.from(canonicalJson(unsigned), 'utf8');
}

export function signEnvelope<T>(unsigned: UnsignedEnvelope<T>, privateKey: KeyObject): Envelope<T> {
  const signature = sign(null, signingInput(unsigned), privateKey).toString('base64url');
  return { ...unsigned, signature };
}

/** `signed` is `signingInput(envelope)`, for a caller that already has it. */
export function verifyEnvelopeSignature(envelope: Envelope, publicKey: KeyObject, signed?: Buffer): boolean {
  return verifySignature(() => signed ?? signingInput(envelope), envelope.signature, publicKey);
}

/** An Ed25519 signature in base64url over `input` (made inside, so an input that cannot be made is a failed check too). */
function verifySignature(input: () => Buffer, encoded: string, publicKey: KeyObject): boolean {
  try {
    const signature = Buffer.from(encoded, 'base64url');
    // base64url leaves spare bits in the last character: accept only the one canonical spelling,
    // or a signed record could be altered without its signature failing.
    if (signature.length !== 64 || signature.toString('base64url') !== encoded) return false;
    return verify(null, input(), publicKey, signature);
  } catch {
    return false;
  }
}

/** Prefixed, so a signature a service keeps for itself can never pass for one over an envelope. */
const selfSigned = (input: string): Buffer => Buffer.from(`countersign self-signed\n${input}`, 'utf8');

export interface NewEnvelope<T> {
  id: string;
  type: string;
  subject: string;
  time: string;
  data: T;
  correlationid?: string;
  causationid?: string;
}

/** One identity's signing capability; the private key never leaves this object. */
export class EnvelopeSigner {
  private readonly privateKey: KeyObject;
  private publicKey: KeyObject | undefined;

  constructor(
    readonly identity: string,
    private readonly key: Pick<StoredKeyPair, 'keyId' | 'privateKey'>,
  ) {
    this.privateKey = importPrivateKey(key.privateKey);
  }

  get keyId(): string {
    return this.key.keyId;
  }

  /**
   * A signature over `input` for what a service keeps for itself, not an envelope (a snapshot of its
   * state in its own store): whoever can write the store file but does not hold the key cannot
   * make one that `signedBySelf` accepts.
   */
  signForSelf(input: string): string {
    return sign(null, selfSigned(input), this.privateKey).toString('base64url');
  }

  /** Whether `signature` over `input` was made with this signer's current key (signForSelf). */
  signedBySelf(input: string, signature: string): boolean {
    this.publicKey ??= createPublicKey(this.privateKey);
    return verifySignature(() => selfSigned(input), signature, this.publicKey);
  }

  sign<T>(event: NewEnvelope<T>): Envelope<T> {
    const unsigned: UnsignedEnvelope<T> = {
      specversion: SPEC_VERSION,
      id: event.id,
      source: `countersign/${this.identity}`,
      type: event.type,
      subject: event.subject,
      time: event.time,
      datacontenttype: 'application/json',
      data: event.data,
      ...(event.correlationid === undefined ? {} : { correlationid: event.correlationid }),
      ...(event.causationid === undefined ? {} : { causationid: event.causationid }),
      signer: this.identity,
      keyid: this.key.keyId,
    };
    return signEnvelope(unsigned, this.privateKey);
  }
}
