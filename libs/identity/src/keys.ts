import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';

/** A key pair in the form Countersign stores it: base64 DER (PKCS#8 private, SPKI public). */
export interface StoredKeyPair {
  keyId: string;
  algorithm: 'ed25519' | 'x25519';
  publicKey: string;
  privateKey: string;
}

export function generateKeyPair(algorithm: 'ed25519' | 'x25519', owner: string): StoredKeyPair {
  const pair = algorithm === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('x25519');
  const publicKey = pair.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  return {
    keyId: keyIdFor(owner, publicKey),
    algorithm,
    publicKey,
    privateKey: pair.privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64'),
  };
}

/** `owner#fingerprint`: stable for a key, readable in logs, unique per key. */
export function keyIdFor(owner: string, publicKeyBase64: string): string {
  const fingerprint = createHash('sha256').update(Buffer.from(publicKeyBase64, 'base64')).digest('hex');
  return `${owner}#${fingerprint.slice(0, 16)}`;
}

export function importPublicKey(base64Der: string): KeyObject {
  return createPublicKey({ key: Buffer.from(base64Der, 'base64'), format: 'der', type: 'spki' });
}

export function importPrivateKey(base64Der: string): KeyObject {
  return createPrivateKey({ key: Buffer.from(base64Der, 'base64'), format: 'der', type: 'pkcs8' });
}
