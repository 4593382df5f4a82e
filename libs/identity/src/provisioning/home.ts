import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TrustStore } from '../trust-store';
import { Registry } from './description';
import type { StoredKeyPair } from '../keys';
import { natsCredentialsOf, ownerOfNatsUser, readKeyFile, type KeyFile } from './key-custody';
import type { NatsUser } from './nats-config';

/**
 * The generated folder (`.countersign` by default, git-ignored). Provisioning writes only public
 * files into it (trust store, registry, NATS users with public NKEYs, enrollments). Private keys
 * live in `keys/<identity>/`, one folder per identity, made by that identity itself
 * (`countersign keys init`, or a service on first start); on a developer machine `npm start` plays
 * every identity and so holds all of them, in development mode only.
 */
export const HomeLayout = {
  /** The identity's private key file (signing, encryption where it has one, NATS seed). */
  identity: (home: string, id: string) => join(home, 'keys', id.replace(':', '-'), 'key.json'),
  /** Its public enrollment, written next to the key file for the owner to hand over. */
  ownEnrollment: (home: string, id: string) => join(home, 'keys', id.replace(':', '-'), 'enrollment.json'),
  /** The enrollments provisioning reads by default (public keys only). */
  enrollments: (home: string) => join(home, 'enrollments'),
  trust: (home: string) => join(home, 'trust.json'),
  registry: (home: string) => join(home, 'registry.json'),
  /** Target name -> base URL, derived from the target registry: what the executor dials. */
  targets: (home: string) => join(home, 'targets.json'),
  natsUsers: (home: string) => join(home, 'nats', 'users.json'),
  data: (home: string, service: string) => join(home, 'data', `${service}.sqlite`),
} as const;

/** A signing identity's keys as services and clients use them. */
export interface IdentityFile {
  id: string;
  signing: StoredKeyPair;
  encryption?: StoredKeyPair;
  /**
   * Encryption keys held before `encryption`, newest first, kept by `countersign keys rotate` so
   * what was sealed to them during the rotation's overlap still opens. Retired signing keys are not
   * kept: nothing needs their private half again.
   */
  previousEncryption?: StoredKeyPair[];
}

/** The signing view of a key file; an owner that signs nothing (target, provisioner) has none. */
export function identityFileOf(file: KeyFile): IdentityFile {
  if (!file.signing) throw new Error(`${file.id} has no signing key: it signs nothing`);
  return {
    id: file.id,
    signing: file.signing,
    ...(file.encryption ? { encryption: file.encryption } : {}),
    ...(file.previousEncryption ? { previousEncryption: file.previousEncryption } : {}),
  };
}

export function defaultHome(): string {
  return process.env.COUNTERSIGN_HOME ?? join(process.cwd(), '.countersign');
}

function readJson(path: string, what: string): unknown {
  if (!existsSync(path)) throw new Error(`${what} not found at ${path}: run provisioning first (npm run provision)`);
  return JSON.parse(readFileSync(path, 'utf8')) as unknown;
}

export function loadTrustStore(home: string): TrustStore {
  return TrustStore.parse(readJson(HomeLayout.trust(home), 'trust store'));
}

export function loadRegistry(home: string): Registry {
  return Registry.parse(readJson(HomeLayout.registry(home), 'registry'));
}

/** The identity's own key file in this home (`keys/<id>/key.json`). */
export function loadIdentity(home: string, id: string): IdentityFile {
  return identityFileOf(readKeyFile(HomeLayout.identity(home, id)));
}

export interface NatsCredentials {
  user: string;
  /** The NKEY user seed: it signs the server's nonce and never goes over the wire. */
  seed: string;
  inboxPrefix: string;
}

/** The NATS seed of `user` (a NATS user name, see natsUserName), from that identity's own key file. */
export function loadNatsCredentials(home: string, user: string): NatsCredentials {
  return natsCredentialsOf(readKeyFile(HomeLayout.identity(home, ownerOfNatsUser(user))));
}

export function loadNatsUsers(home: string): NatsUser[] {
  return readJson(HomeLayout.natsUsers(home), 'NATS users') as NatsUser[];
}
