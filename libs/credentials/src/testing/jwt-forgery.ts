import { createHmac, sign, type KeyObject } from 'node:crypto';

/**
 * Builds compact JWS by hand, without jose, so tests can produce exactly the malformed, mis-typed
 * and mis-signed tokens an attacker would: a library would refuse to sign most of them.
 */
export type Segment = Record<string, unknown> | unknown[] | string;
export type Signer = (signingInput: string) => Buffer;

export function encodeSegment(value: Segment): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return Buffer.from(text, 'utf8').toString('base64url');
}

export function forge(header: Segment, claims: Segment, signer: Signer): string {
  const signingInput = `${encodeSegment(header)}.${encodeSegment(claims)}`;
  return `${signingInput}.${signer(signingInput).toString('base64url')}`;
}

/** Ed25519 signs the message itself; RSA and EC hash with SHA-256 (RS256/ES256 in JOSE terms). */
export function signWith(key: KeyObject): Signer {
  if (key.asymmetricKeyType === 'ed25519') return (input) => sign(null, Buffer.from(input), key);
  if (key.asymmetricKeyType === 'ec') return (input) => sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  return (input) => sign('sha256', Buffer.from(input), key);
}

export function hmac(alg: 'HS256' | 'HS384' | 'HS512', secret: Buffer | string): Signer {
  const hash = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' }[alg];
  return (input) => createHmac(hash, secret).update(input).digest();
}

export const unsigned: Signer = () => Buffer.alloc(0);

export function parts(token: string): [string, string, string] {
  const [header = '', payload = '', signature = ''] = token.split('.');
  return [header, payload, signature];
}

export function replacePart(token: string, index: 0 | 1 | 2, value: string): string {
  const split = parts(token);
  split[index] = value;
  return split.join('.');
}

/** Flips one bit of the decoded bytes; flipping a base64 character could hit ignored padding bits. */
export function flipBit(token: string, index: 0 | 1 | 2, byteIndex: number): string {
  const bytes = Buffer.from(parts(token)[index], 'base64url');
  const at = byteIndex < 0 ? bytes.length + byteIndex : byteIndex;
  bytes[at] = (bytes[at] ?? 0) ^ 0x01;
  return replacePart(token, index, bytes.toString('base64url'));
}

export function decodeSegment(segment: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8')) as Record<string, unknown>;
}

export function without(claims: Record<string, unknown>, ...names: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(claims).filter(([name]) => !names.includes(name)));
}
