import { SERVICE_NAMES } from '@countersign/contracts';
import { SERVICE_NODE_FLAGS } from '@countersign/stack';
import { parseYaml, readRepoFile } from './repo-files';

/**
 * docker-compose.yml cannot be run here (no Docker engine), so this checks that it says what the
 * docs promise: every service, the provisioning step, a 3-node NATS cluster on a fixed version with
 * fsync on every message, KurrentDB in secure mode, per-service credentials and read-only homes,
 * and the documented environment variables and ports. `scripts/check-compose.sh` checks the syntax.
 */

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  entrypoint?: string[];
  user?: string;
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  restart?: string;
  profiles?: string[];
  healthcheck?: { test: string[]; interval?: string; retries?: number };
}
interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
}

const compose = parseYaml(readRepoFile('docker-compose.yml')) as ComposeFile;
const service = (name: string): ComposeService => {
  const found = compose.services[name];
  if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
};
const env = (name: string): Record<string, string> => service(name).environment ?? {};
const mounts = (name: string) => (service(name).volumes ?? []).map((spec) => spec.split(':') as [string, string, string?]);
const NATS_NODES = ['nats-1', 'nats-2', 'nats-3'];
/** Every Countersign process with an operations port (health, readiness, /metrics), and that port. */
const OPERATED = [...SERVICE_NAMES, 'slack-edge', 'siem-forwarder'];
const OPERATIONS_PORT = '9464';
const operationsDoc = readRepoFile('docs/operations.md');
const protocolDoc = readRepoFile('docs/protocol.md');

function versionOf(image: string): number[] {
  const match = /^nats:(\d+)\.(\d+)\.(\d+)(-alpine[\d.]*)?$/.exec(image);
  if (!match) throw new Error(`${image} is not a pinned nats:<major>.<minor>.<patch> image`);
  return match.slice(1, 4).map(Number);
}

const atLeast = (version: number[], floor: number[]) => {
  for (const [index, part] of floor.entries()) {
    const value = version[index] ?? 0;
    if (value !== part) return value > part;
  }
  return true;
};

describe('docker-compose.yml', () => {
  it('names the five services, provisioning, the demo target, KurrentDB and three NATS nodes', () => {
    const names = Object.keys(compose.services);
    expect(names).toEqual(expect.arrayContaining([...SERVICE_NAMES, 'provision', 'demo-target', 'kurrentdb', ...NATS_NODES]));
  });

  it.each(NATS_NODES)('runs %s on nats-server 2.12.3 or later with its own cluster config', (node) => {
    expect(atLeast(versionOf(service(node).image ?? ''), [2, 12, 3])).toBe(true);
    const config = mounts(node).find(([, target]) => target === '/etc/nats/nats.conf');
    expect(config?.[0]).toBe(`./deploy/nats/${node}.conf`);
    expect(config?.[2]).toBe('ro');
    expect(mounts(node)).toContainEqual(['nats-auth', '/etc/nats/auth', 'ro']);
  });

  it.each(NATS_NODES)('configures %s with fsync on every message, file storage, routes to all nodes and the provisioned users', (node) => {
    const config = readRepoFile(`deploy/nats/${node}.conf`);
    const jetstream = /jetstream\s*\{([^}]*)\}/.exec(config)?.[1] ?? '';
    expect(jetstream).toMatch(/^\s*sync_interval:\s*always\s*$/m);
    expect(jetstream).toMatch(/^\s*store_dir:\s*"\/data\/jetstream"\s*$/m);
    expect(config).toMatch(new RegExp(`^server_name:\\s*${node}\\s*$`, 'm'));
    for (const peer of NATS_NODES) expect(config).toContain(`nats-route://${peer}:6222`);
    // Include paths are relative to the config's folder (/etc/nats), where the auth volume is mounted.
    expect(config).toMatch(/^include "auth\/users\.conf"$/m);
    expect(env('provision').COUNTERSIGN_NATS_AUTH_FILE).toBe('/nats-auth/users.conf');
    expect(mounts('provision')).toContainEqual(['nats-auth', '/nats-auth']);
  });

  it('provisions with scripts/provision.js from the enrollments each service writes on first start, with 3 JetStream replicas', () => {
    const provision = service('provision');
    expect(provision.command).toEqual(['sh', 'deploy/docker/provision.sh']);
    expect(readRepoFile('deploy/docker/provision.sh')).toMatch(/^node scripts\/provision\.js$/m);
    expect(env('provision').COUNTERSIGN_JETSTREAM_REPLICAS).toBe('3');
    expect(env('provision').COUNTERSIGN_ENROLLMENTS_DIR).toBeDefined();
    const awaited = env('provision').COUNTERSIGN_AWAIT_ENROLLMENTS?.split(',');
    expect(awaited).toEqual([...SERVICE_NAMES.map((name) => `service:${name}`), 'target:demo-target']);
    for (const name of [...SERVICE_NAMES, 'demo-target']) {
      // A service must make its key before provision can enroll it, so it cannot wait for provision.
      expect(service(name).depends_on?.provision).toBeUndefined();
      expect(mounts('provision')).toContainEqual([`enrollment-${name}`, `/enrollment-sources/${name}`, 'ro']);
    }
    // Provisioning never mounts a service's key volume: it reads public enrollments only.
    expect(
      mounts('provision')
        .filter(([source]) => source.startsWith('keys-'))
        .map(([source]) => source),
    ).toEqual(['keys-provisioner']);
  });

  it.each(NATS_NODES)('requires TLS on %s client connections, with certificates made at run time', (node) => {
    expect(readRepoFile(`deploy/nats/${node}.conf`)).toMatch(/^tls \{[^}]*cert_file: "\/etc\/nats\/certs\/server\.crt"[^}]*\}/m);
    expect(mounts(node)).toContainEqual(['nats-certs', '/etc/nats/certs', 'ro']);
    expect(service(node).depends_on?.['nats-certs']).toEqual({ condition: 'service_completed_successfully' });
    expect(service('nats-certs').command).toEqual(['sh', 'deploy/nats/gen-certs.sh']);
  });

  it('runs KurrentDB in secure mode, never without fsync, with the cluster size stated', () => {
    const kurrent = service('kurrentdb');
    expect(kurrent.image).toMatch(/^docker\.kurrent\.io\/kurrent-latest\/kurrentdb:\d+\.\d+/);
    expect(env('kurrentdb').KURRENTDB_CLUSTER_SIZE).toMatch(/^\d+$/);
    expect(env('kurrentdb').KURRENTDB_CERTIFICATE_FILE).toBeDefined();
    expect(env('kurrentdb').KURRENTDB_INSECURE).toBeUndefined();
    expect(env('kurrentdb').KURRENTDB_UNSAFE_DISABLE_FLUSH_TO_DISK).toBe('false');
  });

  it('provisions KurrentDB access with licence-free ACLs by default, and stream policies only with the licensed override', () => {
    expect(env('provision').COUNTERSIGN_KURRENTDB_ACCESS).toBe('acl');
    expect(env('kurrentdb').KURRENTDB_LICENSING__LICENSE_KEY).toBeUndefined();
    const licensed = parseYaml(readRepoFile('deploy/kurrentdb/compose.licensed.yml')) as ComposeFile;
    expect(Object.keys(licensed.services).sort()).toEqual(['kurrentdb', 'provision']);
    expect(licensed.services['provision']?.environment).toEqual({ COUNTERSIGN_KURRENTDB_ACCESS: 'stream-policy' });
    expect(licensed.services['kurrentdb']?.environment).toEqual({
      KURRENTDB_LICENSING__LICENSE_KEY: expect.stringMatching(/^\$\{KURRENTDB_LICENSE_KEY:\?[^}]+\}$/),
    });
    expect(readRepoFile('deploy/docker/compose.env.example')).toMatch(/^KURRENTDB_LICENSE_KEY=\S+$/m);
    expect(readRepoFile('scripts/check-compose.sh')).toContain('deploy/kurrentdb/compose.licensed.yml');
    // provision-acls.ts reads the mode from this variable and probes until a deadline, not after a fixed sleep.
    const script = readRepoFile('deploy/kurrentdb/provision-acls.ts');
    expect(script).toContain("process.env['COUNTERSIGN_KURRENTDB_ACCESS'] ?? 'acl'");
    expect(script).toContain('probeUntil(');
    expect(script).not.toMatch(/setTimeout/);
  });

  it.each(SERVICE_NAMES)('starts %s with its own command, KurrentDB user and read-only home', (name) => {
    expect(service(name).command).toEqual(['node', 'scripts/service.js', name]);
    const vars = env(name);
    expect(vars.COUNTERSIGN_HOME).toBe('/countersign');
    // Every node, so the service connects and fails over whichever node is down.
    expect(vars.COUNTERSIGN_NATS_URL?.split(',')).toEqual(NATS_NODES.map((node) => `tls://${node}:4222`));
    expect(vars.COUNTERSIGN_NATS_CA).toBe('/nats-ca/ca.crt');
    // Its own key, in a volume no other container mounts; its enrollment for provision to read.
    expect(vars.COUNTERSIGN_KEY_FILE).toBe('/keys/key.json');
    expect(mounts(name)).toContainEqual([`keys-${name}`, '/keys']);
    const keyVolumeUsers = Object.keys(compose.services).filter((other) => mounts(other).some(([source]) => source === `keys-${name}`));
    expect(keyVolumeUsers).toEqual([name]);
    expect(vars.COUNTERSIGN_STORE).toBe('kurrentdb');
    expect(vars.KURRENTDB_URL).toMatch(
      new RegExp(`^kurrentdb://${name}:\\$\\{KURRENTDB_${name.toUpperCase()}_PASSWORD:\\?[^}]*\\}@kurrentdb:2113\\?tls=true&`),
    );
    expect(mounts(name)).toContainEqual([`home-${name}`, '/countersign', 'ro']);
    // Only provisioning ever sees the full home with every identity's private key.
    expect(mounts(name).map(([source]) => source)).not.toContain('countersign-home');
  });

  it('gives every service a home volume of its own', () => {
    const homes = SERVICE_NAMES.map((name) => mounts(name).find(([, target]) => target === '/countersign')?.[0]);
    expect(new Set(homes).size).toBe(SERVICE_NAMES.length);
    for (const name of SERVICE_NAMES) expect(mounts('provision')).toContainEqual([`home-${name}`, `/bundles/${name}`]);
  });

  it("publishes intake's HTTP port, and the docs name the same port", () => {
    const port = env('intake').COUNTERSIGN_HTTP_PORT;
    expect(port).toMatch(/^\d+$/);
    expect(service('intake').ports).toContain(`${port}:${port}`);
    expect(operationsDoc).toContain(`COUNTERSIGN_HTTP_PORT=${port}`);
    expect(operationsDoc).toContain(`http://localhost:${port}/v1/submissions`);
    expect(protocolDoc).toContain(`http://127.0.0.1:${port}/v1/submissions`);
  });

  it('restarts every long-running container and health-checks each one honestly', () => {
    const longRunning = [...NATS_NODES, 'kurrentdb', ...SERVICE_NAMES, 'demo-target', 'slack-edge'];
    for (const name of longRunning) {
      expect([name, service(name).restart]).toEqual([name, 'unless-stopped']);
      expect([name, service(name).healthcheck?.test.length ?? 0]).not.toEqual([name, 0]);
    }
    // Each process's readiness on its operations port (issue 16), plus the HTTP port where there is one.
    for (const name of OPERATED) {
      expect([name, env(name).COUNTERSIGN_HEALTH_PORT, env(name).COUNTERSIGN_HEALTH_HOST]).toEqual([name, OPERATIONS_PORT, '0.0.0.0']);
      expect([name, env(name).COUNTERSIGN_HEALTH_FILE]).toEqual([name, undefined]);
      expect(service(name).healthcheck?.test.slice(0, 4)).toEqual([
        'CMD',
        'node',
        'scripts/healthcheck.js',
        `http://127.0.0.1:${OPERATIONS_PORT}/health/ready`,
      ]);
    }
    expect(service('intake').healthcheck?.test).toContain('http://127.0.0.1:8080/v1/openapi.json');
    expect(service('demo-target').healthcheck?.test).toContain('http://127.0.0.1:4380/healthz');
    expect(readRepoFile('libs/service-runtime/src/bootstrap.ts')).toContain('startServiceOperations(');
    expect(readRepoFile('apps/siem-forwarder/src/main.ts')).toContain('startOperationsServer(');
  });

  it('runs every Node process with the young generation the local stack uses (SERVICE_NODE_FLAGS)', () => {
    const nodeServices = Object.entries(compose.services).filter(([, entry]) => entry.command?.[1] === 'scripts/service.js');
    expect(nodeServices.map(([name]) => name).sort()).toEqual([...OPERATED, 'demo-target'].sort());
    for (const [name] of nodeServices) expect([name, env(name).NODE_OPTIONS]).toEqual([name, SERVICE_NODE_FLAGS.join(' ')]);
  });

  it('orders start-up by health where no enrollment deadlock can follow, and scrapes every operations port', () => {
    // Provisioning waits for each service's enrollment, written on its first start: none of the
    // five may wait for another's health (or for NATS, which waits for provisioning).
    for (const name of SERVICE_NAMES) expect([name, Object.keys(service(name).depends_on ?? {})]).toEqual([name, ['nats-certs']]);
    expect(service('slack-edge').depends_on?.approval).toEqual({ condition: 'service_healthy' });
    expect(service('siem-forwarder').depends_on?.audit).toEqual({ condition: 'service_healthy' });
    for (const name of SERVICE_NAMES) expect(service('prometheus').depends_on?.[name]).toEqual({ condition: 'service_healthy' });
    expect(service('prometheus').profiles).toEqual(['monitoring']);
    expect(mounts('prometheus')).toContainEqual(['./deploy/prometheus', '/etc/prometheus', 'ro']);
    const scrape = readRepoFile('deploy/prometheus/prometheus.yml');
    for (const name of OPERATED) expect(scrape).toContain(`'${name}:${OPERATIONS_PORT}'`);
  });

  it('runs the SIEM forwarder (profile siem) as siem:splunk with a read-only home, its own NATS key and its sinks file', () => {
    expect(service('siem-forwarder').profiles).toEqual(['siem']);
    expect(service('siem-forwarder').command).toEqual(['node', 'scripts/service.js', 'siem-forwarder']);
    expect(mounts('siem-forwarder')).toContainEqual(['home-siem-splunk', '/countersign', 'ro']);
    expect(mounts('siem-forwarder')).toContainEqual(['./deploy/siem/siem.json', '/etc/countersign/siem.json', 'ro']);
    expect(env('siem-forwarder').COUNTERSIGN_SIEM_CONFIG).toBe('/etc/countersign/siem.json');
    expect(mounts('siem-forwarder')).toContainEqual(['keys-siem-splunk', '/keys']);
    expect(env('siem-forwarder').COUNTERSIGN_KEY_FILE).toBe('/keys/key.json');
    expect(mounts('provision')).toContainEqual(['enrollment-siem-splunk', '/enrollment-sources/siem-splunk', 'ro']);
    expect(readRepoFile('deploy/docker/provision.sh')).toContain('bundle_public "$COUNTERSIGN_BUNDLES_DIR/siem-splunk"');
  });

  it('uses only environment variables that docs/operations.md documents, and documents every one config.ts reads', () => {
    const used = new Set(Object.values(compose.services).flatMap((entry) => Object.keys(entry.environment ?? {})));
    const serviceVars = [...readRepoFile('libs/service-runtime/src/config.ts').matchAll(/^\s+((?:COUNTERSIGN|KURRENTDB)_[A-Z_]+):/gm)].map(
      ([, name]) => name!,
    );
    expect(serviceVars.length).toBeGreaterThan(5);
    const ours = [...used].filter(
      (name) => /^(COUNTERSIGN|KURRENTDB|DEMO_TARGET)_/.test(name) && !/^KURRENTDB_(?!URL$|ADMIN_URL$|[A-Z]+_PASSWORD$)/.test(name),
    );
    const undocumented = [...new Set([...ours, ...serviceVars])].filter((name) => !operationsDoc.includes(`\`${name}\``));
    expect(undocumented).toEqual([]);
  });

  it('declares every named volume, and the example env file sets every required variable', () => {
    const named = Object.values(compose.services)
      .flatMap((entry) => entry.volumes ?? [])
      .map((spec) => spec.split(':')[0]!)
      .filter((source) => !source.startsWith('.') && !source.startsWith('/'));
    expect(Object.keys(compose.volumes).sort()).toEqual([...new Set(named)].sort());
    const required = [...readRepoFile('docker-compose.yml').matchAll(/\$\{([A-Z_]+):\?/g)].map(([, name]) => name!);
    const example = readRepoFile('deploy/docker/compose.env.example');
    for (const name of new Set(required)) expect(example).toMatch(new RegExp(`^${name}=\\S+$`, 'm'));
  });

  it('builds one image from node:20-bookworm-slim (its stages: tools/dockerfile.spec.ts)', () => {
    const dockerfile = readRepoFile('deploy/docker/Dockerfile');
    expect(dockerfile).toMatch(/^FROM node:20-bookworm-slim$/m);
    expect(dockerfile).not.toMatch(/^COPY \. /m);
    for (const name of SERVICE_NAMES) expect(service(name).build?.dockerfile).toBe('deploy/docker/Dockerfile');
  });
});
