/**
 * Who may touch which KurrentDB streams, as data. Pure: the provisioning script
 * (deploy/kurrentdb/provision-acls.ts) applies it, the unit tests read it.
 *
 * The model, and why:
 * - One user per service, in no group: never `$admins` (which bypasses every check) or `$ops`.
 * - Each service owns one category of streams, the prefix `<service>-` its adapter puts on every
 *   stream name (see StreamNamespace). Streams are created on demand (`request-<id>`), so per-stream
 *   ACLs written in advance cannot cover them, and a default ACL that lets services create streams
 *   lets every service write every stream. Only prefix rules can say "intake-* belongs to intake":
 *   KurrentDB's stream policies (EventStoreDB 24.10+/KurrentDB 25, licensed). Once enabled they
 *   replace stream ACLs.
 * - The owner may read and write its category, never delete it or write its metadata (`$mw` would
 *   let it truncate its own history); nobody else may do anything to it. Audit is no exception: it
 *   reads its own streams only, and learns about the others from the bus.
 * - Every other stream, user or system, is `$admins` only; so is the `$settings` default ACL,
 *   which takes over if stream policies are ever switched off: then services fail closed (they
 *   cannot write at all) rather than open.
 * - Reading `$all` is the one cross-category grant: the relay and the timers follow `$all` with a
 *   server-side filter for their own prefix, and the server authorizes that read against `$all` as
 *   a whole. It is read-only; writes and deletes on `$all` are refused by the server regardless.
 */

export const STREAM_PERMISSIONS = ['$r', '$w', '$d', '$mr', '$mw'] as const;
export type StreamPermission = (typeof STREAM_PERMISSIONS)[number];
export type AccessPolicy = Record<StreamPermission, string[]>;

export const ADMINS = '$admins';
export const CHECKPOINT_STREAM_PREFIX = 'countersign-checkpoint-';

export interface KurrentDbUser {
  loginName: string;
  fullName: string;
  /** Always empty: a service is trusted by its own name only. */
  groups: string[];
}

export interface StreamPolicyDocument {
  streamPolicies: Record<string, AccessPolicy>;
  /** First match wins (StreamPrefixRule: `streamId.StartsWith(startsWith)`). */
  streamRules: Array<{ startsWith: string; policy: string }>;
  defaultStreamRules: { userStreams: string; systemStreams: string };
}

export interface KurrentDbAccessPlan {
  users: KurrentDbUser[];
  /** Written to `$settings`: the legacy default ACLs. */
  defaultAcl: { $userStreamAcl: AccessPolicy; $systemStreamAcl: AccessPolicy };
  /** Written to `$policies` as `$policy-updated`. */
  streamPolicy: StreamPolicyDocument;
  /** Metadata provisioning sets because the services may not (`$mw`): checkpoints keep one event. */
  streamMetadata: Array<{ stream: string; metadata: { maxCount: number } }>;
}

export interface KurrentDbAccessInput {
  services: readonly string[];
  /** Checkpoint names each service keeps (the relay's is `relay`). */
  checkpointNames?: readonly string[];
}

/** The category prefix of a service's streams; the store adapter and the ACLs must agree on it. */
export const serviceStreamPrefix = (service: string) => `${service}-`;

const grant = (readers: string[], writers: string[]): AccessPolicy => ({
  $r: readers,
  $w: writers,
  $d: [ADMINS],
  $mr: [ADMINS],
  $mw: [ADMINS],
});

const adminsOnly = (): AccessPolicy => grant([ADMINS], [ADMINS]);
const policyName = (service: string) => `countersign-${service}`;

export function kurrentDbAccessPlan(input: KurrentDbAccessInput): KurrentDbAccessPlan {
  const services = [...input.services];
  assertDistinctCategories(services);
  const checkpointNames = input.checkpointNames ?? ['relay'];
  return {
    users: services.map((service) => ({ loginName: service, fullName: `Countersign ${service} service`, groups: [] })),
    defaultAcl: { $userStreamAcl: adminsOnly(), $systemStreamAcl: adminsOnly() },
    streamPolicy: {
      streamPolicies: {
        countersignAdminsOnly: adminsOnly(),
        countersignAllReaders: grant([ADMINS, ...services], [ADMINS]),
        ...Object.fromEntries(services.map((service) => [policyName(service), grant([service], [service])])),
      },
      streamRules: [
        { startsWith: '$all', policy: 'countersignAllReaders' },
        ...services.map((service) => ({ startsWith: serviceStreamPrefix(service), policy: policyName(service) })),
      ],
      defaultStreamRules: { userStreams: 'countersignAdminsOnly', systemStreams: 'countersignAdminsOnly' },
    },
    streamMetadata: services.flatMap((service) =>
      checkpointNames.map((name) => ({
        stream: `${serviceStreamPrefix(service)}${CHECKPOINT_STREAM_PREFIX}${name}`,
        metadata: { maxCount: 1 },
      })),
    ),
  };
}

/**
 * The policy a stream falls under, decided the way the server does (first prefix rule that
 * matches, else the default for user or system streams). Lets tests ask "who may write X?".
 */
export function policyFor(document: StreamPolicyDocument, stream: string): AccessPolicy {
  const rule = document.streamRules.find((candidate) => stream.startsWith(candidate.startsWith));
  const name =
    rule?.policy ?? (stream.startsWith('$') ? document.defaultStreamRules.systemStreams : document.defaultStreamRules.userStreams);
  const policy = document.streamPolicies[name];
  if (!policy) throw new Error(`stream policy ${name} is not defined`);
  return policy;
}

/**
 * Prefixes must not nest ("audit-" and "audit-x-"), or the first matching rule would hand one
 * service's streams to another: names without dashes guarantee it.
 */
function assertDistinctCategories(services: string[]): void {
  for (const service of services) {
    if (!/^[a-z][a-z0-9]*$/.test(service)) throw new RangeError(`service name ${JSON.stringify(service)} cannot name a stream category`);
  }
  if (new Set(services).size !== services.length) throw new RangeError('service names must be distinct');
}
