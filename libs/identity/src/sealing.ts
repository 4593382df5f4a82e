import { createCipheriv, createDecipheriv, diffieHellman, generateKeyPairSync, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';
import type { SealedBox } from '@countersign/contracts';
import { importPublicKey } from './keys';

const INFO = Buffer.from('countersign/credential/v1');

/**
 * Seals a secret to one recipient's X25519 key (ephemeral-static ECDH, HKDF-SHA256, AES-256-GCM).
 * The associated data binds the box to its request, so a box moved to another request fails to open.
 */
export function seal(plaintext: string, recipient: { keyId: string; key: KeyObject }, associatedData: string): SealedBox {
  const ephemeral = generateKeyPairSync('x25519');
  const shared = diffieHellman({ privateKey: ephemeral.privateKey, publicKey: recipient.key });
  const epk = ephemeral.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  const key = Buffer.from(hkdfSync('sha256', shared, Buffer.from(epk, 'base64'), INFO, 32));
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return {
    alg: 'X25519-HKDF-SHA256-A256GCM',
    recipientKeyId: recipient.keyId,
    epk,
    iv: iv.toString('base64'),
    ciphertext: ciphertext.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
  };
}

/** Opens a sealed box; throws when the key, the associated data or any byte is wrong. */
export function open(box: SealedBox, privateKey: KeyObject, associatedData: string): string {
  const shared = diffieHellman({ privateKey, publicKey: importPublicKey(box.epk) });
  const key = Buffer.from(hkdfSync('sha256', shared, Buffer.from(box.epk, 'base64'), INFO, 32));
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(box.iv, 'base64'));
  decipher.setAAD(Buffer.from(associatedData, 'utf8'));
  decipher.setAuthTag(Buffer.from(box.tag, 'base64'));
  return Buffer.concat([decipher.update(Buffer.from(box.ciphertext, 'base64')), decipher.final()]).toString('utf8');
}
