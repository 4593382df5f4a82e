import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  channelConsumer,
  Consumers,
  requesterConsumer,
  siemConsumer,
  targetConsumer,
  type ConsumerSpec,
  type RegisteredTarget,
  SERVICE_IDS,
  TargetRegistryDocument,
} from '@countersign/contracts';
import { keepRetiredKeys } from '../rotation';
import { TrustStoreDocument } from '../trust-store';
import { IdentityDescription, type Registry } from './description';
import { enrollLocally, enrollmentFileName, readEnrollments } from './enrollment';
import { HomeLayout } from './home';
import { enrollmentOf, ensureKeyFile, ownerOf, signsEvents, writePublicJson, type Enrollment, type KeyOwner } from './key-custody';
import type { NatsUser } from './nats-config';
import { inboxPrefix, natsPermissionsFor, natsUserName, type Principal } from './permissions';

export interface ProvisionResult {
  home: string;
  /** `development`: this run made every identity's keys itself (npm start, tests); `enrollment`: public keys only. */
  mode: 'development' | 'enrollment';
  /** Signing identities in the trust store. */
  identities: string[];
  natsUsers: string[];
  /** Registered targets, by name. */
  targets: string[];
  /** Identities whose keys were generated in this run (development mode and the provisioner's own). */
  generated: string[];
  /** Identities the description names that sent no enrollment: no key is trusted, no NATS user exists. */
  notEnrolled: string[];
  /** Every file provisioning wrote: all public, none holds a private key, seed or password. */
  written: string[];
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

/** Everyone with a NATS user: the signing principals, the targets (revocations only), the provisioner. */
export function natsPrincipalsOf(description: IdentityDescription): Principal[] {
  const targets = (description.targets ?? []).map(({ name }) => ({ kind: 'target', name }) as const);
  return [{ kind: 'provisioner' } as const, ...principalsOf(description), ...targets];
}

/** Every durable consumer the description implies: the services' own, and one per SIEM reader, target, channel and requester. */
export function durableConsumersOf(description: IdentityDescription): ConsumerSpec[] {
  return [
    ...Object.values(Consumers).flat(),
    ...description.siemReaders.map((reader) => siemConsumer(reader)),
    ...(description.targets ?? []).map(({ name }) => targetConsumer(name)),
    ...(description.channels ?? []).map((name) => channelConsumer(name)),
    ...description.requesters.map(({ name }) => requesterConsumer(name)),
  ];
}

const toTrusted = (key: { keyId: string; publicKey: string }) => ({
  keyId: key.keyId,
  publicKey: key.publicKey,
  status: 'active' as const,
});

export interface ProvisionOptions {
  description: unknown;
  home: string;
  /** The target registry (`deploy/targets.json`); without it no target is registered (fail closed). */
  targets?: unknown;
  /** Target name -> base URL where this deployment reaches it, replacing the registry's address. */
  addresses?: Readonly<Record<string, string>>;
  /**
   * The folder of enrollment files (public keys only). Without it, development mode: every
   * identity's key is made here, each in its own `keys/<id>/` folder, and then enrolled the same way.
   */
  enrollments?: string;
  /** The provisioner's own key file (its NATS NKEY); `keys/provisioner/key.json` in the home by default. */
  provisionerKeyFile?: string;
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
  checkWorkloadTargets(description, targets);
  return targets.map((target): RegisteredTarget => {
    const unknown = target.requesters.filter((name) => !requesters.has(name));
    if (unknown.length > 0) throw new Error(`target ${target.name} allows unknown requesters: ${unknown.join(', ')}`);
    return { ...target, address: addresses[target.name] ?? target.address };
  });
}

/** A workload's task scope may name only targets that exist and admit that workload: nothing else could ever be accepted. */
function checkWorkloadTargets(description: IdentityDescription, targets: readonly RegisteredTarget[]): void {
  for (const requester of description.requesters) {
    for (const scope of requester.workload?.taskScopes ?? []) {
      const foreign = scope.targets.filter(
        (name) => !targets.some((target) => target.name === name && target.requesters.includes(requester.name)),
      );
      if (foreign.length > 0)
        throw new Error(`task scope ${scope.name} of ${requester.name} names targets that do not admit it: ${foreign.join(', ')}`);
    }
  }
}

/**
 * Builds the public side of a deployment from enrollments: the trust store, the registry
 * (requesters, approvers, targets), the executor's target addresses, and NATS users (public NKEYs)
 * with per-identity permissions. Idempotent. Reads no private key but the provisioner's own seed,
 * and writes none.
 */
export function provision(options: ProvisionOptions): ProvisionResult {
  const description = IdentityDescription.parse(options.description);
  const registeredTargetList = registeredTargets(description, options);
  const { home } = options;
  const principals = natsPrincipalsOf(description);
  const owners = principals.map(ownerOf);
  const development = options.enrollments === undefined;
  const others = owners.filter((owner) => owner !== 'provisioner');
  const local = development ? enrollLocally(others, (owner) => HomeLayout.identity(home, owner), HomeLayout.enrollments(home)) : undefined;
  const generated: string[] = local?.generated ?? [];
  const provisioner = ensureKeyFile(options.provisionerKeyFile ?? HomeLayout.identity(home, 'provisioner'), 'provisioner');
  if (provisioner.generated) generated.push('provisioner');
  const enrollments = local?.enrollments ?? readEnrollments(options.enrollments!);
  const enrolled = new Map<string, Enrollment>(enrollments.map((enrollment) => [enrollment.id, enrollment]));
  enrolled.set('provisioner', enrollmentOf(provisioner.file));
  checkEnrollments(enrolled, owners);
  const present = principals.filter((principal) => enrolled.has(ownerOf(principal)));
  const written: string[] = [...(local?.written ?? [])];
  const write = (path: string, value: unknown) => {
    writePublicJson(path, value);
    written.push(path);
  };
  const signing = present
    .map(ownerOf)
    .filter(signsEvents)
    .map((owner) => enrolled.get(owner)!);
  const trust: TrustStoreDocument = {
    version: 1,
    environment: description.environment,
    identities: signing.map((enrollment) => ({
      id: enrollment.id,
      signingKeys: [toTrusted(enrollment.signing!)],
      encryptionKeys: enrollment.encryption ? [toTrusted(enrollment.encryption)] : [],
    })),
  };
  write(HomeLayout.trust(home), keepRetiredKeys(previousTrust(home), trust));
  const registry: Registry = {
    environment: description.environment,
    requesters: description.requesters,
    approvers: description.approvers,
    targets: registeredTargetList,
  };
  write(HomeLayout.registry(home), registry);
  write(HomeLayout.targets(home), Object.fromEntries(registeredTargetList.map(({ name, address }) => [name, address])));
  const users = present.map((principal) => natsUser(principal, enrolled.get(ownerOf(principal))!));
  write(HomeLayout.natsUsers(home), users);
  if (!development) copyEnrollments(home, present.map(ownerOf), enrolled, write);
  return {
    home,
    mode: development ? 'development' : 'enrollment',
    identities: signing.map(({ id }) => id),
    natsUsers: users.map((user) => user.user),
    targets: registeredTargetList.map(({ name }) => name),
    generated,
    notEnrolled: owners.filter((owner) => !enrolled.has(owner)),
    written,
  };
}

function natsUser(principal: Principal, enrollment: Enrollment): NatsUser {
  return {
    user: natsUserName(principal),
    nkey: enrollment.nats.nkey,
    inboxPrefix: inboxPrefix(principal),
    permissions: natsPermissionsFor(principal),
  };
}

/**
 * Refuses enrollments provisioning cannot place: an identity the description does not name (a
 * typo, or someone enrolling themselves), a signing identity without a signing key, and one NKEY
 * used by two identities (the server could not tell them apart).
 */
function checkEnrollments(enrolled: ReadonlyMap<string, Enrollment>, owners: readonly KeyOwner[]): void {
  const known = new Set<string>(owners);
  const nkeys = new Map<string, string>();
  for (const enrollment of enrolled.values()) {
    if (!known.has(enrollment.id)) throw new Error(`enrollment for ${enrollment.id}, which the identity description does not name`);
    if (signsEvents(enrollment.id) && !enrollment.signing) throw new Error(`enrollment for ${enrollment.id} has no signing key`);
    if (enrollment.id === SERVICE_IDS.executor && !enrollment.encryption)
      throw new Error('enrollment for service:executor has no encryption key');
    const other = nkeys.get(enrollment.nats.nkey);
    if (other) throw new Error(`${enrollment.id} and ${other} enrolled the same NATS key`);
    nkeys.set(enrollment.nats.nkey, enrollment.id);
  }
}

/** Keeps what was enrolled next to what was built from it, for review (public keys only). */
function copyEnrollments(
  home: string,
  owners: readonly KeyOwner[],
  enrolled: ReadonlyMap<string, Enrollment>,
  write: (path: string, value: unknown) => void,
): void {
  for (const owner of owners) write(join(HomeLayout.enrollments(home), enrollmentFileName(owner)), enrolled.get(owner));
}

/** The trust store already in the home, if any: its retired and revoked keys outlive re-provisioning. */
function previousTrust(home: string): TrustStoreDocument | undefined {
  const path = HomeLayout.trust(home);
  return existsSync(path) ? TrustStoreDocument.parse(JSON.parse(readFileSync(path, 'utf8'))) : undefined;
}
