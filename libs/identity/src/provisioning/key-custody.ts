import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { nkeys } from 'nats';
import { z } from 'zod';
import { IdentityId, parseIdentityId, SERVICE_IDS, SERVICE_NAMES, type ServiceName } from '@countersign/contracts';
import { generateKeyPair, keyIdFor, type StoredKeyPair } from '../keys';
import { inboxPrefix, natsUserName, type Principal } from './permissions';

/** The part of nkeys we use: `nats` re-exports it without types. */
interface NKeysApi {
  createUser(): { getSeed(): Uint8Array };
  fromSeed(seed: Uint8Array): { getPublicKey(): string };
}
const nkeyApi = nkeys as NKeysApi;

/** A fresh NKEY user seed (`SU...`). */
export function createNkeySeed(): string {
  return new TextDecoder().decode(nkeyApi.createUser().getSeed());
}

/**
 * Key custody: every identity makes its own keys where it runs and hands out only the public half
 * (its enrollment). The provisioner is not an identity of the protocol (it signs nothing) but has a
 * NATS key of its own, so it is an owner here too.
 */
export const PROVISIONER = 'provisioner';
export const KeyOwner = z.union([IdentityId, z.literal(PROVISIONER)]);
export type KeyOwner = z.infer<typeof KeyOwner>;

const StoredPair = z.strictObject({
  keyId: z.string().min(1),
  algorithm: z.enum(['ed25519', 'x25519']),
  publicKey: z.string().min(1),
  privateKey: z.string().min(1),
});

/** The private key file (0600): never leaves the machine or container that made it. */
export const KeyFile = z.strictObject({
  version: z.literal(1),
  id: KeyOwner,
  signing: StoredPair.optional(),
  encryption: StoredPair.optional(),
  /** Encryption keys held before `encryption`, newest first (`countersign keys rotate`; see IdentityFile). */
  previousEncryption: z.array(StoredPair).optional(),
  nats: z.strictObject({ seed: z.string().regex(/^SU[A-Z2-7]{56}$/, 'an NKEY user seed') }),
});
export type KeyFile = z.infer<typeof KeyFile>;

const PublicKey = z.strictObject({ keyId: z.string().min(1).max(160), publicKey: z.string().min(1).max(200) });

/** The enrollment: public material only, what an operator carries to provisioning. */
export const Enrollment = z.strictObject({
  version: z.literal(1),
  id: KeyOwner,
  signing: PublicKey.optional(),
  encryption: PublicKey.optional(),
  nats: z.strictObject({ nkey: z.string().regex(/^U[A-Z2-7]{55}$/, 'an NKEY user public key (U...)') }),
});
export type Enrollment = z.infer<typeof Enrollment>;

/** Targets and the provisioner only talk to NATS; every other identity signs. */
export function signsEvents(owner: KeyOwner): boolean {
  return owner !== PROVISIONER && parseIdentityId(owner).kind !== 'target';
}

/** Only the executor receives sealed credentials. */
export function receivesSealed(owner: KeyOwner): boolean {
  return owner === SERVICE_IDS.executor;
}

export function principalOf(owner: KeyOwner): Principal {
  if (owner === PROVISIONER) return { kind: 'provisioner' };
  const { kind, name } = parseIdentityId(owner);
  if (kind === 'service') return { kind, name: name as ServiceName };
  if (kind === 'policy') throw new Error(`${owner}: policies sign nothing and have no keys`);
  return { kind, name };
}

export function ownerOf(principal: Principal): KeyOwner {
  return principal.kind === 'provisioner' ? PROVISIONER : `${principal.kind}:${principal.name}`;
}

/** The owner behind a NATS user name (see natsUserName): `broker`, `requester-deploy-bot`, `provisioner`. */
export function ownerOfNatsUser(user: string): KeyOwner {
  if (user === PROVISIONER) return PROVISIONER;
  if ((SERVICE_NAMES as readonly string[]).includes(user)) return `service:${user}`;
  const dash = user.indexOf('-');
  return KeyOwner.parse(`${user.slice(0, dash)}:${user.slice(dash + 1)}`);
}

export function generateKeyFile(owner: KeyOwner): KeyFile {
  const seed = createNkeySeed();
  return {
    version: 1,
    id: KeyOwner.parse(owner),
    ...(signsEvents(owner) ? { signing: generateKeyPair('ed25519', owner) } : {}),
    ...(receivesSealed(owner) ? { encryption: generateKeyPair('x25519', owner) } : {}),
    nats: { seed },
  };
}

const publicHalf = (pair: StoredKeyPair) => ({ keyId: pair.keyId, publicKey: pair.publicKey });

export function nkeyOf(seed: string): string {
  return nkeyApi.fromSeed(new TextEncoder().encode(seed)).getPublicKey();
}

export function enrollmentOf(file: KeyFile): Enrollment {
  return {
    version: 1,
    id: file.id,
    ...(file.signing ? { signing: publicHalf(file.signing) } : {}),
    ...(file.encryption ? { encryption: publicHalf(file.encryption) } : {}),
    nats: { nkey: nkeyOf(file.nats.seed) },
  };
}

/** What a connection needs: the seed signs the server's nonce; the inbox prefix is the user's own. */
export function natsCredentialsOf(file: KeyFile): { user: string; seed: string; inboxPrefix: string } {
  const principal = principalOf(file.id);
  return { user: natsUserName(principal), seed: file.nats.seed, inboxPrefix: inboxPrefix(principal) };
}

export function writePrivateJson(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
}

export function writePublicJson(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

export function readKeyFile(path: string): KeyFile {
  if (!existsSync(path))
    throw new Error(`key file not found at ${path}: create it with 'countersign keys init' (or start the service once)`);
  const parsed = KeyFile.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new Error(`key file ${path} is not a Countersign key file: ${parsed.error.issues[0]?.message ?? ''}`);
  return parsed.data;
}

/**
 * Loads the key file, or makes one on first use. Keys survive restarts: a new key on every start
 * would orphan every signature made with the last one.
 */
export function ensureKeyFile(path: string, owner: KeyOwner): { file: KeyFile; generated: boolean } {
  if (existsSync(path)) {
    const file = readKeyFile(path);
    if (file.id !== owner) throw new Error(`key file ${path} belongs to ${file.id}, not ${owner}`);
    return { file, generated: false };
  }
  const file = generateKeyFile(owner);
  writePrivateJson(path, file);
  return { file, generated: true };
}

/** Recomputes key ids from the public keys, so an enrollment cannot claim another key's id. */
export function checkKeyIds(enrollment: Enrollment): string | undefined {
  for (const pair of [enrollment.signing, enrollment.encryption]) {
    if (pair && pair.keyId !== keyIdFor(enrollment.id, pair.publicKey)) return `key id ${pair.keyId} does not match its public key`;
  }
  return undefined;
}
