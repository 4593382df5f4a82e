import { z } from 'zod';
import { IdentityId, Timestamp } from '@countersign/contracts';
import { generateKeyPair, importPublicKey, keyIdFor, type StoredKeyPair } from './keys';
import type { IdentityFile } from './provisioning/home';
import type { TrustStoreDocument } from './trust-store';

/** The public half of a rotated identity: what `keys rotate` prints and `trust rotate` reads. */
export const PublicKeyFile = z.object({
  id: IdentityId,
  signing: z.object({ keyId: z.string().min(1), algorithm: z.literal('ed25519'), publicKey: z.string().min(1) }).optional(),
  encryption: z.object({ keyId: z.string().min(1), algorithm: z.literal('x25519'), publicKey: z.string().min(1) }).optional(),
});
export type PublicKeyFile = z.infer<typeof PublicKeyFile>;

export type KeyKind = 'signing' | 'encryption';

const publicHalf = ({ keyId, algorithm, publicKey }: StoredKeyPair) => ({ keyId, algorithm, publicKey });

/**
 * New key pairs for an identity, where it runs. A new signing key replaces the old one outright
 * (its private half is never needed again); a new encryption key keeps the old one in
 * `previousEncryption`, so what is sealed to it until trust.json names the new one still opens.
 */
export function rotateIdentityKeys(file: IdentityFile, kinds: readonly KeyKind[]): { file: IdentityFile; published: PublicKeyFile } {
  if (kinds.length === 0) throw new Error('nothing to rotate: name signing and/or encryption');
  if (kinds.includes('encryption') && !file.encryption) throw new Error(`${file.id} has no encryption key to rotate`);
  const signing = kinds.includes('signing') ? generateKeyPair('ed25519', file.id) : undefined;
  const encryption = kinds.includes('encryption') ? generateKeyPair('x25519', file.id) : undefined;
  const previousEncryption =
    encryption && file.encryption ? [file.encryption, ...(file.previousEncryption ?? [])] : file.previousEncryption;
  const next: IdentityFile = {
    ...file,
    ...(signing ? { signing } : {}),
    ...(encryption ? { encryption } : {}),
    ...(previousEncryption ? { previousEncryption } : {}),
  };
  const published = {
    id: file.id,
    ...(signing ? { signing: publicHalf(signing) as PublicKeyFile['signing'] } : {}),
    ...(encryption ? { encryption: publicHalf(encryption) as PublicKeyFile['encryption'] } : {}),
  };
  return { file: next, published };
}

export const TrustRotation = z.object({
  published: PublicKeyFile,
  /** When the old key stops speaking: now plus the overlap the operator allows for in-flight events. */
  retireAt: Timestamp,
});
export type TrustRotation = z.infer<typeof TrustRotation>;

/**
 * The provisioning side of a rotation: each key in the public file becomes its identity's active
 * key of that kind, and every key that was active for that kind becomes `retired` at `retireAt`
 * (revoked keys stay revoked). Pure: the caller reads and writes trust.json. Throws with the reason
 * rather than write a store that would trust the wrong key.
 */
export function rotateTrustedKeys(document: TrustStoreDocument, rotation: TrustRotation): TrustStoreDocument {
  const { published, retireAt } = TrustRotation.parse(rotation);
  const identity = document.identities.find((candidate) => candidate.id === published.id);
  if (!identity) throw new Error(`${published.id} is not in the trust store (enrol it first)`);
  const known = new Set(document.identities.flatMap((entry) => [...entry.signingKeys, ...entry.encryptionKeys].map((key) => key.keyId)));
  let next = identity;
  for (const kind of ['signing', 'encryption'] as const) {
    const key = published[kind];
    if (!key) continue;
    checkPublished(published.id, key, known);
    const field = kind === 'signing' ? 'signingKeys' : 'encryptionKeys';
    const retired = next[field].map((old) => (old.status === 'active' ? { ...old, status: 'retired' as const, retiredAt: retireAt } : old));
    next = { ...next, [field]: [...retired, { keyId: key.keyId, publicKey: key.publicKey, status: 'active' as const }] };
  }
  if (next === identity) throw new Error(`the public key file for ${published.id} names no key`);
  return { ...document, identities: document.identities.map((entry) => (entry.id === published.id ? next : entry)) };
}

function checkPublished(id: string, key: { keyId: string; algorithm: string; publicKey: string }, known: ReadonlySet<string>): void {
  const imported = importPublicKey(key.publicKey);
  if (imported.asymmetricKeyType !== key.algorithm) throw new Error(`${key.keyId} is not an ${key.algorithm} public key`);
  if (key.keyId !== keyIdFor(id, key.publicKey)) throw new Error(`${key.keyId} is not the key id of that public key for ${id}`);
  if (known.has(key.keyId)) throw new Error(`${key.keyId} is already in the trust store: a rotation needs a new key`);
}

/**
 * Re-provisioning rebuilds trust.json from the identities' current keys; the keys that no longer
 * speak (retired, revoked) must survive it, or history signed by a retired key would stop verifying
 * and a revoked key would become merely unknown. Carries them from the previous document.
 */
export function keepRetiredKeys(previous: TrustStoreDocument | undefined, next: TrustStoreDocument): TrustStoreDocument {
  if (!previous) return next;
  const carry = (id: string, field: 'signingKeys' | 'encryptionKeys', current: TrustStoreDocument['identities'][number][typeof field]) => {
    const present = new Set(current.map((key) => key.keyId));
    const old = previous.identities.find((identity) => identity.id === id)?.[field] ?? [];
    return [...old.filter((key) => key.status !== 'active' && !present.has(key.keyId)), ...current];
  };
  return {
    ...next,
    identities: next.identities.map((identity) => ({
      ...identity,
      signingKeys: carry(identity.id, 'signingKeys', identity.signingKeys),
      encryptionKeys: carry(identity.id, 'encryptionKeys', identity.encryptionKeys),
    })),
  };
}
