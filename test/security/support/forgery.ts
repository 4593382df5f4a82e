import { createHash, type KeyObject } from 'node:crypto';
import type { Envelope } from '@countersign/contracts';
import { signEnvelope } from '@countersign/identity';
import type { AuditEvidence } from './evidence';

export interface SigningKey {
  keyId: string;
  key: KeyObject;
}

export const bytesOf = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));
export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/**
 * Signs `envelope` (with `changes` applied) under `key`. The key id written into the envelope is
 * the key's own unless `changes` says otherwise, so a forger can claim any key while signing with
 * another.
 */
export function signWith(envelope: Envelope, key: SigningKey, changes: Partial<Envelope> = {}): Envelope {
  const { signature: _dropped, ...unsigned } = { ...envelope, keyid: key.keyId, ...changes };
  return signEnvelope(unsigned, key.key);
}

/** Keeps the signature of `envelope` while changing what it covers: the signature must then fail. */
export function tamper(envelope: Envelope, changes: Partial<Envelope>): Envelope {
  return { ...envelope, ...changes, signature: envelope.signature };
}

/** Whether audit recorded this very envelope as a verified event: only an accepted one gets there. */
export function acceptedByAudit(evidence: AuditEvidence, envelope: Pick<Envelope, 'id' | 'signature'>): boolean {
  return evidence.events().some((event) => event.id === envelope.id && event.signature === envelope.signature);
}

/** The latest event of a type about a request, as audit recorded it (verified by the service that sent it). */
export function latest<T>(evidence: AuditEvidence, type: string, requestId: string): Envelope<T> {
  const found = evidence.events({ type, requestId }).at(-1);
  if (!found) throw new Error(`audit has no ${type} for ${requestId}`);
  return found as Envelope<T>;
}
