import { randomUUID } from 'node:crypto';
import { ANY, AccessDeniedError, KurrentDBClient, START, jsonEvent, type JSONType } from '@kurrent/kurrentdb-client';
import { CHECKPOINT_STREAM_PREFIX, probeStream, serviceStreamPrefix, type AccessCheck, type KurrentDbAccessPlan } from './kurrentdb-acl';
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
 * default ACL, then per mode either the streams' own ACLs (`acl`) or the stream policy and the
 * switch to it (`stream-policy`, licence required), and the metadata the services may not write.
 * Order matters: the restrictive parts go in before anything that grants.
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
    log(`${SETTINGS_STREAM}: default ACL (${plan.mode} mode)`);
    if (plan.streamPolicy) {
      await append(POLICIES_STREAM, '$policy-updated', plan.streamPolicy);
      log(`${POLICIES_STREAM}: ${plan.streamPolicy.streamRules.length} stream rules`);
      await append(AUTHORIZATION_SETTINGS_STREAM, '$authorization-policy-changed', { streamAccessPolicyType: 'streampolicy' });
      log(`${AUTHORIZATION_SETTINGS_STREAM}: stream policies enabled (needs a licence)`);
    }
    for (const { stream, metadata } of plan.streamMetadata) await client.setStreamMetadata(stream, metadata);
    const acls = plan.streamMetadata.filter((entry) => entry.metadata.acl).length;
    log(`metadata: ${plan.streamMetadata.length} streams (${acls} with their own ACL)`);
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
 * Proves the plan's checks on a live server, as each service user (plan.checks: own probe stream
 * yes, another's no, no metadata, no delete, $all filtered to its category yes). Probe events are
 * local-only (no relay publishes them) and their streams keep a few events only.
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
  try {
    // Every probe stream exists before anyone tries another's, so "denied" cannot be "not found".
    const first = plan.checks.filter((check) => check.action === 'append' && check.stream === probeStream(check.service));
    for (const check of [...first, ...plan.checks.filter((check) => !first.includes(check))]) {
      const outcome = await attempt(clients.get(check.service)!, check).then(
        () => 'allowed',
        (error: unknown) => (error instanceof AccessDeniedError ? 'denied' : `failed: ${String(error)}`),
      );
      const ok = outcome === (check.allowed ? 'allowed' : 'denied');
      results.push({ service: check.service, check: `${check.action} ${check.stream}`, ok, detail: outcome });
    }
  } finally {
    await Promise.all([...clients.values()].map((client) => client.dispose()));
  }
  return results;
}

/**
 * Probes until every check comes out as planned or the deadline passes: a new ACL or policy takes
 * effect a moment after it is written, and the policy plugin denies everything while it starts.
 */
export async function probeUntil(
  plan: KurrentDbAccessPlan,
  options: ApplyAccessOptions & { deadlineMs: number; intervalMs?: number },
): Promise<AccessProbe[]> {
  const deadline = Date.now() + options.deadlineMs;
  for (;;) {
    const probes = await probeKurrentDbAccess(plan, options);
    const failed = probes.filter((probe) => !probe.ok);
    if (failed.length === 0 || Date.now() >= deadline) return probes;
    options.log?.(`${failed.length} access probes not yet as planned (first: ${failed[0]?.service} ${failed[0]?.check}); retrying`);
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 2_000));
  }
}

function attempt(client: KurrentDBClient, check: AccessCheck): Promise<unknown> {
  switch (check.action) {
    case 'append':
      return client.appendToStream(
        check.stream,
        jsonEvent({ id: randomUUID(), type: 'countersign.local.acl-probe', data: { service: check.service } }),
        { streamState: ANY },
      );
    case 'read':
      return drain(client.readStream(check.stream, { maxCount: 1 }));
    case 'read-all': {
      const filter = new StreamNamespace(serviceStreamPrefix(check.service), CHECKPOINT_STREAM_PREFIX).allFilter();
      return drain(client.readAll({ fromPosition: START, maxCount: 1, filter }));
    }
    case 'set-metadata':
      return client.setStreamMetadata(check.stream, { maxCount: 5 });
    case 'delete':
      return client.deleteStream(check.stream);
  }
}

async function drain(iterable: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of iterable) {
    // reading is the test; the events do not matter
  }
}
