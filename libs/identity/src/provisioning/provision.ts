import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { identityId, TargetRegistryDocument, type IdentityKind, type RegisteredTarget } from '@countersign/contracts';
import { generateKeyPair } from '../keys';
import { keepRetiredKeys } from '../rotation';
import { TrustStoreDocument } from '../trust-store';
import { IdentityDescription, type Registry } from './description';
import { HomeLayout, type IdentityFile } from './home';
import type { NatsUser } from './nats-config';
import { inboxPrefix, natsPermissionsFor, natsUserName, type Principal } from './permissions';

export interface ProvisionResult {
  home: string;
  identities: string[];
  natsUsers: string[];
  /** Registered targets, by name. */
  targets: string[];
  /** Identities whose keys were generated in this run (the rest were kept). */
  generated: string[];
}

/** Every principal the description names, in a stable order. */
export function principalsOf(description: IdentityDescription): Principal[] {
  return [
    ...description.services.map((name) => ({ kind: 'service', name }) as const),
    ...description.requesters.map(({ name }) => ({ kind: 'requester', name }) as const),
    ...description.approvers.map(({ name }) => ({ kind: 'approver', name }) as const),
    ...description.siemReaders.map((name) => ({ kind: 'siem', name }) as const),
    ...description.operators.map((name) => ({ kind: 'operator', name }) as const),
    ...(description.channels ?? []).map((name) => ({ kind: 'channel', name }) as const),
  ];
}

function writePrivate(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
}

function writePublic(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** Keys survive re-provisioning: rotating them on every start would orphan every stored signature. */
function ensureIdentity(home: string, id: string, withEncryption: boolean, generated: string[]): IdentityFile {
  const path = HomeLayout.identity(home, id);
  if (existsSync(path)) return JSON.parse(readFileSync(path, 'utf8')) as IdentityFile;
  const file: IdentityFile = {
    id,
    signing: generateKeyPair('ed25519', id),
    ...(withEncryption ? { encryption: generateKeyPair('x25519', id) } : {}),
  };
  writePrivate(path, file);
  generated.push(id);
  return file;
}

function ensureNatsUser(home: string, principal: Principal): NatsUser {
  const user = natsUserName(principal);
  const path = HomeLayout.natsUser(home, user);
  const existing = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as { password: string }) : undefined;
  const credentials = { user, password: existing?.password ?? randomBytes(24).toString('base64url'), inboxPrefix: inboxPrefix(principal) };
  if (!existing) writePrivate(path, credentials);
  return { ...credentials, permissions: natsPermissionsFor(principal) };
}

const toTrusted = (pair: IdentityFile['signing']) => ({ keyId: pair.keyId, publicKey: pair.publicKey, status: 'active' as const });

export interface ProvisionOptions {
  description: unknown;
  home: string;
  /** The target registry (`deploy/targets.json`); without it no target is registered (fail closed). */
  targets?: unknown;
  /** Target name -> base URL where this deployment reaches it, replacing the registry's address. */
  addresses?: Readonly<Record<string, string>>;
}

/**
 * The registry's targets, checked against the description (every requester named must exist) and
 * with this deployment's addresses. Throws, naming the target, rather than provision a registry
 * intake would have to second-guess.
 */
export function registeredTargets(description: IdentityDescription, options: Pick<ProvisionOptions, 'targets' | 'addresses'>) {
  const { targets } = TargetRegistryDocument.parse(options.targets ?? { targets: [] });
  const requesters = new Set(description.requesters.map(({ name }) => name));
  const addresses = options.addresses ?? {};
  for (const name of Object.keys(addresses)) {
    if (!targets.some((target) => target.name === name))
      throw new Error(`address given for ${name}, which the target registry does not list`);
  }
  return targets.map((target): RegisteredTarget => {
    const unknown = target.requesters.filter((name) => !requesters.has(name));
    if (unknown.length > 0) throw new Error(`target ${target.name} allows unknown requesters: ${unknown.join(', ')}`);
    return { ...target, address: addresses[target.name] ?? target.address };
  });
}

/**
 * Generates (or completes) a development home: keys per identity, the public trust store, the
 * registry (requesters, approvers, targets), the executor's target addresses, and NATS users with
 * per-identity permissions. Idempotent; existing secrets are kept.
 */
export function provision(options: ProvisionOptions): ProvisionResult {
  const description = IdentityDescription.parse(options.description);
  const registeredTargetList = registeredTargets(description, options);
  const { home } = options;
  const generated: string[] = [];
  const principals = principalsOf(description);
  const files = principals.map((principal) => {
    const id = identityId(principal.kind as IdentityKind, (principal as { name: string }).name);
    return ensureIdentity(home, id, id === 'service:executor', generated);
  });
  const trust: TrustStoreDocument = {
    version: 1,
    environment: description.environment,
    identities: files.map((file) => ({
      id: file.id,
      signingKeys: [toTrusted(file.signing)],
      encryptionKeys: file.encryption ? [toTrusted(file.encryption)] : [],
    })),
  };
  writePublic(HomeLayout.trust(home), keepRetiredKeys(previousTrust(home), trust));
  const registry: Registry = {
    environment: description.environment,
    requesters: description.requesters,
    approvers: description.approvers,
    targets: registeredTargetList,
  };
  writePublic(HomeLayout.registry(home), registry);
  writePublic(HomeLayout.targets(home), Object.fromEntries(registeredTargetList.map(({ name, address }) => [name, address])));
  // Targets get a NATS user (to follow revocations) but no keys: they never sign anything.
  const targets = (description.targets ?? []).map(({ name }) => ({ kind: 'target', name }) as const);
  const users = [{ kind: 'provisioner' } as const, ...principals, ...targets].map((principal) => ensureNatsUser(home, principal));
  writePrivate(HomeLayout.natsUsers(home), users);
  const natsUsers = users.map((user) => user.user);
  return { home, identities: files.map((file) => file.id), natsUsers, targets: registeredTargetList.map(({ name }) => name), generated };
}

/** The trust store already in the home, if any: its retired and revoked keys outlive re-provisioning. */
function previousTrust(home: string): TrustStoreDocument | undefined {
  const path = HomeLayout.trust(home);
  return existsSync(path) ? TrustStoreDocument.parse(JSON.parse(readFileSync(path, 'utf8'))) : undefined;
}
