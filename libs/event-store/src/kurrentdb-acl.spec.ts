import { SERVICE_NAMES } from '@countersign/contracts';
import {
  ADMINS,
  CHECKPOINT_STREAM_PREFIX,
  STREAM_PERMISSIONS,
  aclFor,
  kurrentDbAccessPlan,
  policyFor,
  probeStream,
  serviceStreamPrefix,
  type StreamPolicyDocument,
} from './kurrentdb-acl';
import { StreamNamespace } from './kurrentdb-namespace';

const plan = kurrentDbAccessPlan({ services: SERVICE_NAMES, mode: 'stream-policy' });
const document = plan.streamPolicy as StreamPolicyDocument;
const SERVICES: readonly string[] = SERVICE_NAMES;
/** Stream names each service really uses (the port's names, before the prefix). */
const OWN_STREAMS = ['request-7f1c', 'execution-7f1c', 'evidence-7f1c', 'audit-log', 'custody-7f1c', 'seen-9a2b', 'deadletters'];
const onServer = (service: string, stream: string) =>
  new StreamNamespace(serviceStreamPrefix(service), CHECKPOINT_STREAM_PREFIX).toServer(stream);
const checkpointOf = (service: string) =>
  new StreamNamespace(serviceStreamPrefix(service), CHECKPOINT_STREAM_PREFIX).checkpointStream('relay');

describe('KurrentDB access plan — stream-policy mode (licence)', () => {
  it('creates one user per service, none of them in any group ($admins, $ops or other)', () => {
    expect(plan.users.map((user) => user.loginName)).toEqual([...SERVICE_NAMES]);
    for (const user of plan.users) expect(user.groups).toEqual([]);
  });

  it.each(SERVICE_NAMES)('makes every stream of the %s category readable and writable by that service alone', (service) => {
    for (const stream of [...OWN_STREAMS.map((name) => onServer(service, name)), checkpointOf(service)]) {
      const policy = policyFor(document, stream);
      expect(policy.$w).toEqual([service]);
      expect(policy.$r).toEqual([service]);
      expect([policy.$d, policy.$mr, policy.$mw]).toEqual([[ADMINS], [ADMINS], [ADMINS]]);
    }
  });

  it('has every category writable by exactly one service, and every service writing exactly one category', () => {
    const categories = SERVICES.map(serviceStreamPrefix);
    for (const category of categories) {
      const writers = SERVICES.filter((service) => policyFor(document, `${category}request-1`).$w.includes(service));
      expect(writers).toEqual([category.slice(0, -1)]);
    }
    for (const service of SERVICES) {
      const written = categories.filter((category) => policyFor(document, `${category}x`).$w.includes(service));
      expect(written).toEqual([serviceStreamPrefix(service)]);
    }
  });

  it('lets audit read nothing but its own category', () => {
    const readable = SERVICES.filter((service) => policyFor(document, onServer(service, 'request-1')).$r.includes('audit'));
    expect(readable).toEqual(['audit']);
  });

  it('never grants a service delete or metadata rights, nor anything to the public ($all role)', () => {
    for (const policy of Object.values(document.streamPolicies)) {
      for (const permission of ['$d', '$mr', '$mw'] as const) expect(policy[permission]).toEqual([ADMINS]);
      for (const permission of STREAM_PERMISSIONS) expect(policy[permission]).not.toContain('$all');
    }
  });

  it.each([
    'request-1',
    'notacategory-1',
    'intakeish-1',
    '$settings',
    '$policies',
    '$authorization-policy-settings',
    '$users',
    '$ce-intake',
  ])('leaves %s, outside every category, to $admins alone', (stream) => {
    const policy = policyFor(document, stream);
    for (const permission of STREAM_PERMISSIONS) expect(policy[permission]).toEqual([ADMINS]);
  });

  it('lets every service read $all (for its filtered subscription) and nobody but $admins write it', () => {
    const policy = policyFor(document, '$all');
    expect(policy.$r).toEqual([ADMINS, ...SERVICE_NAMES]);
    expect(policy.$w).toEqual([ADMINS]);
  });

  it('sets a default ACL in $settings that denies everyone but $admins, for user and system streams', () => {
    for (const acl of [plan.defaultAcl.$userStreamAcl, plan.defaultAcl.$systemStreamAcl]) {
      for (const permission of STREAM_PERMISSIONS) expect(acl[permission]).toEqual([ADMINS]);
    }
  });

  it('limits each relay checkpoint stream to one event, on the stream the adapter really writes, and each probe stream to a few', () => {
    expect(plan.streamMetadata).toEqual(
      SERVICE_NAMES.flatMap((service) => [
        { stream: checkpointOf(service), metadata: { maxCount: 1 } },
        { stream: probeStream(service), metadata: { maxCount: 16 } },
      ]),
    );
  });

  it('refers only to policies it defines', () => {
    const names = [...document.streamRules.map((rule) => rule.policy), ...Object.values(document.defaultStreamRules)];
    for (const name of names) expect(document.streamPolicies[name]).toBeDefined();
  });

  it.each([['intake', 'intake'], ['audit', 'audit-x'], ['Intake'], ['$admins'], ['']])(
    'refuses service names that would make categories collide or nest: %p',
    (...services: string[]) => {
      expect(() => kurrentDbAccessPlan({ services })).toThrow(RangeError);
    },
  );
});

describe('KurrentDB access plan — ACL mode (the default, no licence)', () => {
  const owned = { audit: ['audit-log', 'deadletters'], intake: ['deadletters'] };
  const acl = kurrentDbAccessPlan({ services: SERVICE_NAMES, ownedStreams: owned });
  const others = (service: string) => SERVICES.filter((other) => other !== service);

  it('is the default, writes no stream policy and never switches authorization to policies', () => {
    expect(acl.mode).toBe('acl');
    expect(acl.streamPolicy).toBeUndefined();
    expect(kurrentDbAccessPlan({ services: SERVICE_NAMES }).mode).toBe('acl');
  });

  it('lets the service users, and nobody else, read and write user streams by default; never delete or touch metadata', () => {
    const user = acl.defaultAcl.$userStreamAcl;
    expect(user.$r).toEqual([ADMINS, ...SERVICE_NAMES]);
    expect(user.$w).toEqual([ADMINS, ...SERVICE_NAMES]);
    expect([user.$d, user.$mr, user.$mw]).toEqual([[ADMINS], [ADMINS], [ADMINS]]);
    for (const permission of STREAM_PERMISSIONS) expect(acl.defaultAcl.$systemStreamAcl[permission]).toEqual([ADMINS]);
    for (const permission of STREAM_PERMISSIONS) expect(user[permission]).not.toContain('$all');
  });

  it.each(SERVICE_NAMES)('gives every stream %s keeps under a fixed name an ACL naming it alone', (service) => {
    const fixed = [
      checkpointOf(service),
      probeStream(service),
      ...(owned[service as keyof typeof owned] ?? []).map((name) => onServer(service, name)),
    ];
    for (const stream of fixed) {
      const policy = aclFor(acl, stream);
      expect([stream, policy.$r, policy.$w]).toEqual([stream, [service], [service]]);
      expect([policy.$d, policy.$mr, policy.$mw]).toEqual([[ADMINS], [ADMINS], [ADMINS]]);
      for (const other of others(service)) expect(policy.$w).not.toContain(other);
    }
    expect(acl.streamMetadata.find((entry) => entry.stream === checkpointOf(service))?.metadata.maxCount).toBe(1);
  });

  it('lets the service users read $all (through the $acl of $$$all) and nobody but $admins write it', () => {
    const all = aclFor(acl, '$all');
    expect(all.$r).toEqual([ADMINS, ...SERVICE_NAMES]);
    expect(all.$w).toEqual([ADMINS]);
  });

  it('proves the same denials as stream-policy mode, less the one the ACL default cannot give', () => {
    const describe = (checks: typeof acl.checks) =>
      checks.map((check) => `${check.service} ${check.action} ${check.stream} ${check.allowed}`);
    const policyOnly = describe(plan.checks).filter((line) => !describe(acl.checks).includes(line));
    expect(policyOnly).toEqual(SERVICE_NAMES.map((service) => `${service} append acl-probe false`));
    for (const check of acl.checks) {
      if (check.action !== 'append' && check.action !== 'read') continue;
      const policy = aclFor(acl, check.stream);
      const roles = check.action === 'append' ? policy.$w : policy.$r;
      expect([check.service, check.action, check.stream, roles.includes(check.service)]).toEqual([
        check.service,
        check.action,
        check.stream,
        check.allowed,
      ]);
    }
  });
});
