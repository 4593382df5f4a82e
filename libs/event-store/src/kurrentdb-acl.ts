/**
 * Who may touch which KurrentDB streams, as data. Pure: the provisioning script
 * (deploy/kurrentdb/provision-acls.ts) applies it, the unit tests read it.
 *
 * Two modes, because the better one needs a licence:
 *
 * - `acl` (the default, no licence): KurrentDB's access control lists. The `$settings` default
 *   ACL names the service users (never `$all`, so no other account) as readers and writers of user
 *   streams, with delete and metadata rights for `$admins` only; system streams are `$admins`
 *   only. Every stream whose name is known in advance gets its own `$acl` in its metadata, naming
 *   its owner alone: the checkpoint streams, the named streams a service keeps (`audit-log`,
 *   `deadletters`), the probe stream. `$all` is readable by the service users through the `$acl`
 *   of `$$$all`. What this cannot do: streams created on demand (`request-<id>`) fall under the
 *   default ACL, so a service user could write another service's on-demand streams. The adapter's
 *   namespace keeps honest services apart; a compromised one is not confined.
 * - `stream-policy` (licence required): KurrentDB's stream policies give each service its whole
 *   `<service>-` category by prefix, on-demand streams included; nobody else may touch it. Once
 *   enabled they replace ACLs; the `$settings` default ACL is then `$admins` only, so switching
 *   policies off later fails closed (services cannot write) rather than open.
 *
 * In both: one user per service, in no group (never `$admins`, which bypasses every check, or
 * `$ops`); no service may delete a stream or write metadata (`$mw` would let it truncate its own
 * history or rewrite its ACL); reading `$all` is the one cross-category grant, read-only, for the
 * relay's and timers' server-side-filtered subscriptions.
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

export const ACCESS_MODES = ['acl', 'stream-policy'] as const;
export type KurrentDbAccessMode = (typeof ACCESS_MODES)[number];

/** A stream's `$acl` in the client's spelling (setStreamMetadata turns it into `$r`, `$w`, ...). */
export interface StreamAclRoles {
  readRoles: string[];
  writeRoles: string[];
  deleteRoles: string[];
  metaReadRoles: string[];
  metaWriteRoles: string[];
}

export interface StreamMetadataPlan {
  stream: string;
  metadata: { maxCount?: number; acl?: StreamAclRoles };
}

/** One thing a service user must or must not be able to do; provisioning proves each. */
export interface AccessCheck {
  service: string;
  action: 'append' | 'read' | 'read-all' | 'set-metadata' | 'delete';
  /** The server stream; for `read-all`, the service's own category filter applies. */
  stream: string;
  allowed: boolean;
}

export interface KurrentDbAccessPlan {
  mode: KurrentDbAccessMode;
  users: KurrentDbUser[];
  /** Written to `$settings`: the default ACLs. */
  defaultAcl: { $userStreamAcl: AccessPolicy; $systemStreamAcl: AccessPolicy };
  /** Written to `$policies` as `$policy-updated`, in `stream-policy` mode only. */
  streamPolicy?: StreamPolicyDocument;
  /** Metadata provisioning sets because the services may not (`$mw`): ACLs and size limits. */
  streamMetadata: StreamMetadataPlan[];
  checks: AccessCheck[];
}

export interface KurrentDbAccessInput {
  services: readonly string[];
  /** `acl` unless a licence allows stream policies. */
  mode?: KurrentDbAccessMode;
  /** Checkpoint names each service keeps (the relay's is `relay`). */
  checkpointNames?: readonly string[];
  /** Port stream names a service keeps under a fixed name, by service (e.g. audit's `audit-log`). */
  ownedStreams?: Readonly<Record<string, readonly string[]>>;
}

/** Where provisioning proves access; each service's own, kept short. */
export const probeStream = (service: string) => `${serviceStreamPrefix(service)}acl-probe`;
const PROBE_MAX_COUNT = 16;

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
  const mode = input.mode ?? 'acl';
  const users = services.map((service) => ({ loginName: service, fullName: `Countersign ${service} service`, groups: [] }));
  const checks = accessChecks(services, mode);
  if (mode === 'acl') {
    return {
      mode,
      users,
      defaultAcl: { $userStreamAcl: grant([ADMINS, ...services], [ADMINS, ...services]), $systemStreamAcl: adminsOnly() },
      streamMetadata: aclMetadata(services, input),
      checks,
    };
  }
  const checkpointNames = input.checkpointNames ?? ['relay'];
  return {
    mode,
    users,
    checks,
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
    streamMetadata: services.flatMap((service) => [
      ...checkpointNames.map((name) => ({ stream: checkpointStreamOf(service, name), metadata: { maxCount: 1 } })),
      { stream: probeStream(service), metadata: { maxCount: PROBE_MAX_COUNT } },
    ]),
  };
}

const checkpointStreamOf = (service: string, name: string) => `${serviceStreamPrefix(service)}${CHECKPOINT_STREAM_PREFIX}${name}`;

const toRoles = (policy: AccessPolicy): StreamAclRoles => ({
  readRoles: policy.$r,
  writeRoles: policy.$w,
  deleteRoles: policy.$d,
  metaReadRoles: policy.$mr,
  metaWriteRoles: policy.$mw,
});

/** ACL mode: every stream known by name gets its owner as its only reader and writer. */
function aclMetadata(services: string[], input: KurrentDbAccessInput): StreamMetadataPlan[] {
  const checkpointNames = input.checkpointNames ?? ['relay'];
  const perService = services.flatMap((service) => {
    const acl = toRoles(grant([service], [service]));
    const owned = (input.ownedStreams?.[service] ?? []).map((name) => `${serviceStreamPrefix(service)}${name}`);
    return [
      ...checkpointNames.map((name) => ({ stream: checkpointStreamOf(service, name), metadata: { maxCount: 1, acl } })),
      ...owned.map((stream) => ({ stream, metadata: { acl } })),
      { stream: probeStream(service), metadata: { maxCount: PROBE_MAX_COUNT, acl } },
    ];
  });
  // `$all` takes its ACL from the metadata of `$$$all`; read-only, like the stream-policy rule.
  return [{ stream: '$all', metadata: { acl: toRoles(grant([ADMINS, ...services], [ADMINS])) } }, ...perService];
}

/**
 * What provisioning proves as each service user. The same in both modes but one: outside every
 * category, stream policies deny a write while the ACL default allows it (the documented gap), so
 * ACL mode proves a system stream instead.
 */
function accessChecks(services: string[], mode: KurrentDbAccessMode): AccessCheck[] {
  return services.flatMap((service) => {
    const own = probeStream(service);
    const others = services.filter((other) => other !== service);
    return [
      { service, action: 'append' as const, stream: own, allowed: true },
      { service, action: 'read' as const, stream: own, allowed: true },
      { service, action: 'read-all' as const, stream: '$all', allowed: true },
      ...others.flatMap((other) => [
        { service, action: 'append' as const, stream: probeStream(other), allowed: false },
        { service, action: 'read' as const, stream: probeStream(other), allowed: false },
      ]),
      { service, action: 'append' as const, stream: mode === 'acl' ? '$countersign-acl-probe' : 'acl-probe', allowed: false },
      { service, action: 'set-metadata' as const, stream: own, allowed: false },
      { service, action: 'delete' as const, stream: own, allowed: false },
    ];
  });
}

/**
 * ACL mode: the ACL that decides for `stream`, as the server picks it (the stream's own `$acl`,
 * else the default for user or system streams). Lets tests ask "who may write X?".
 */
export function aclFor(plan: KurrentDbAccessPlan, stream: string): AccessPolicy {
  const own = plan.streamMetadata.find((entry) => entry.stream === stream)?.metadata.acl;
  if (own) return { $r: own.readRoles, $w: own.writeRoles, $d: own.deleteRoles, $mr: own.metaReadRoles, $mw: own.metaWriteRoles };
  return stream.startsWith('$') ? plan.defaultAcl.$systemStreamAcl : plan.defaultAcl.$userStreamAcl;
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
