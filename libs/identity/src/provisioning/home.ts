import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { TrustStore } from '../trust-store';
import { Registry } from './description';
import type { StoredKeyPair } from '../keys';
import type { NatsUser } from './nats-config';

/**
 * The generated folder (`.countersign` by default). Private keys and NATS passwords live only here;
 * the folder is git-ignored and created at run time by provisioning.
 */
export const HomeLayout = {
  identity: (home: string, id: string) => join(home, 'identities', `${id.replace(':', '-')}.json`),
  trust: (home: string) => join(home, 'trust.json'),
  registry: (home: string) => join(home, 'registry.json'),
  /** Target name -> base URL, derived from the target registry: what the executor dials. */
  targets: (home: string) => join(home, 'targets.json'),
  natsUser: (home: string, user: string) => join(home, 'nats', 'users', `${user}.json`),
  natsUsers: (home: string) => join(home, 'nats', 'users.json'),
  data: (home: string, service: string) => join(home, 'data', `${service}.sqlite`),
} as const;

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

export function loadIdentity(home: string, id: string): IdentityFile {
  return readJson(HomeLayout.identity(home, id), `identity ${id}`) as IdentityFile;
}

const NatsCredentials = z.object({ user: z.string(), password: z.string(), inboxPrefix: z.string() });
export type NatsCredentials = z.infer<typeof NatsCredentials>;

export function loadNatsCredentials(home: string, user: string): NatsCredentials {
  return NatsCredentials.parse(readJson(HomeLayout.natsUser(home, user), `NATS user ${user}`));
}

export function loadNatsUsers(home: string): NatsUser[] {
  return readJson(HomeLayout.natsUsers(home), 'NATS users') as NatsUser[];
}
