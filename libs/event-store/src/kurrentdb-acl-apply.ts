import { randomUUID } from 'node:crypto';
import { ANY, AccessDeniedError, KurrentDBClient, START, jsonEvent, type JSONType } from '@kurrent/kurrentdb-client';
import { CHECKPOINT_STREAM_PREFIX, serviceStreamPrefix, type KurrentDbAccessPlan } from './kurrentdb-acl';
import { connectionStringAs, endpointOf, ensureUser } from './kurrentdb-admin-http';
import { StreamNamespace } from './kurrentdb-namespace';

export interface ApplyAccessOptions {
  /** A connection string for an `$admins` user; only provisioning ever holds one. */
  adminConnectionString: string;
  /** Password of each service user, by login name. */
  passwords: Record<string, string>;
  log?: (line: string) => void;
}

/** The system streams the server reads its authorization settings from. */
export const SETTINGS_STREAM = '$settings';
export const POLICIES_STREAM = '$policies';
export const AUTHORIZATION_SETTINGS_STREAM = '$authorization-policy-settings';

/**
 * Applies the plan as the admin, idempotently (re-running converges): users, the `$settings`
 * default ACL, the stream policy, switching authorization to stream policies, checkpoint metadata.
 * Order matters: the restrictive defaults go in before the policy that grants anything.
 */
export async function applyKurrentDbAccess(plan: KurrentDbAccessPlan, options: ApplyAccessOptions): Promise<void> {
  const log = options.log ?? (() => undefined);
  const endpoint = endpointOf(options.adminConnectionString);
  for (const user of plan.users) {
    const password = options.passwords[user.loginName];
    if (!password) throw new Error(`no password for KurrentDB user ${user.loginName}`);
    log(`user ${user.loginName}: ${await ensureUser(endpoint, user, password)}`);
  }
  const client = KurrentDBClient.connectionString(options.adminConnectionString);
  try {
    const append = (stream: string, type: string, data: unknown) =>
      client.appendToStream(stream, jsonEvent({ id: randomUUID(), type, data: data as JSONType }), { streamState: ANY });
    await append(SETTINGS_STREAM, 'update-default-acl', plan.defaultAcl);
    log(`${SETTINGS_STREAM}: default ACLs for user and system streams are $admins only`);
    await append(POLICIES_STREAM, '$policy-updated', plan.streamPolicy);
    log(`${POLICIES_STREAM}: ${plan.streamPolicy.streamRules.length} stream rules`);
    await append(AUTHORIZATION_SETTINGS_STREAM, '$authorization-policy-changed', { streamAccessPolicyType: 'streampolicy' });
    log(`${AUTHORIZATION_SETTINGS_STREAM}: stream policies enabled (needs a licence; without one the server keeps ACLs)`);
    for (const { stream, metadata } of plan.streamMetadata) await client.setStreamMetadata(stream, metadata);
    log(`metadata: maxCount set on ${plan.streamMetadata.length} checkpoint streams`);
  } finally {
    await client.dispose();
  }
}

export interface AccessProbe {
  service: string;
  check: string;
  ok: boolean;
  detail?: string;
}

/**
 * Proves the plan holds on a live server, as each service user: it can write and read its own
 * category and follow $all, and it cannot write or read another service's category, write outside
 * any category, delete its own streams or rewrite their metadata. Probe events are local-only
 * (no relay publishes them).
 */
export async function probeKurrentDbAccess(plan: KurrentDbAccessPlan, options: ApplyAccessOptions): Promise<AccessProbe[]> {
  const services = plan.users.map((user) => user.loginName);
  const clients = new Map(
    services.map((service) => {
      const connection = connectionStringAs(options.adminConnectionString, service, options.passwords[service] ?? '');
      return [service, KurrentDBClient.connectionString(connection)] as const;
    }),
  );
  const results: AccessProbe[] = [];
  const expect = async (service: string, check: string, allowed: boolean, attempt: (client: KurrentDBClient) => Promise<unknown>) => {
    const outcome = await attempt(clients.get(service)!).then(
      () => 'allowed',
      (error: unknown) => (error instanceof AccessDeniedError ? 'denied' : `failed: ${String(error)}`),
    );
    results.push({ service, check, ok: outcome === (allowed ? 'allowed' : 'denied'), detail: outcome });
  };
  try {
    // Every probe stream exists before anyone tries another's, so "denied" cannot be "not found".
    for (const service of services) {
      await expect(service, `write ${probeStream(service)}`, true, (client) => appendProbe(client, probeStream(service), service));
    }
    for (const service of services) await probeAs(service, services, expect);
  } finally {
    await Promise.all([...clients.values()].map((client) => client.dispose()));
  }
  return results;
}

type Expect = (service: string, check: string, allowed: boolean, attempt: (client: KurrentDBClient) => Promise<unknown>) => Promise<void>;

const probeStream = (service: string) => `${serviceStreamPrefix(service)}acl-probe`;

const appendProbe = (client: KurrentDBClient, stream: string, service: string) =>
  client.appendToStream(stream, jsonEvent({ id: randomUUID(), type: 'countersign.local.acl-probe', data: { service } }), {
    streamState: ANY,
  });

async function probeAs(service: string, services: string[], expect: Expect): Promise<void> {
  const own = probeStream(service);
  await expect(service, `read ${own}`, true, (client) => drain(client.readStream(own, { maxCount: 1 })));
  const filter = new StreamNamespace(serviceStreamPrefix(service), CHECKPOINT_STREAM_PREFIX).allFilter();
  await expect(service, 'read $all filtered to its own category', true, (client) =>
    drain(client.readAll({ fromPosition: START, maxCount: 1, filter })),
  );
  for (const other of services.filter((candidate) => candidate !== service)) {
    await expect(service, `write ${probeStream(other)}`, false, (client) => appendProbe(client, probeStream(other), service));
    await expect(service, `read ${probeStream(other)}`, false, (client) => drain(client.readStream(probeStream(other), { maxCount: 1 })));
  }
  await expect(service, 'write outside every category', false, (client) => appendProbe(client, 'acl-probe', service));
  await expect(service, `write metadata of ${own}`, false, (client) => client.setStreamMetadata(own, { maxCount: 5 }));
  await expect(service, `delete ${own}`, false, (client) => client.deleteStream(own));
}

async function drain(iterable: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of iterable) {
    // reading is the test; the events do not matter
  }
}
