import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NatsConnection } from 'nats';
import { SERVICE_NAMES, TargetRegistryDocument, type ServiceName } from '@countersign/contracts';
import {
  HomeLayout,
  loadNatsCredentials,
  loadNatsUsers,
  provision,
  renderAuthorization,
  renderNatsConfig,
  type IdentityDescription,
} from '@countersign/identity';
import { connectNats, provisionStreams, type JetStreamSettings, type NatsConnectionSettings } from '@countersign/messaging';
import { pinPolicy } from '@countersign/policy-engine';
import { freePort, startNatsCluster, startNatsServer, type RunningNatsCluster, type RunningNatsServer } from '@countersign/testing';
import { SERVICE_NODE_FLAGS, spawnManaged } from './child';
import { DEFAULT_SUPERVISION, Supervisor, type SupervisionPolicy } from './supervisor';
import { startSshDemo, withSshDemo, type SshDemo } from './ssh-demo';
import { MCP_GATEWAY, mcpGatewayEnv } from './mcp-gateway';

export const REPO_ROOT = join(__dirname, '..', '..', '..');
const READY = /COUNTERSIGN_READY|demo-target listening on/;
const DEMO_TARGET = 'demo-target';
const SLACK_EDGE = 'slack-edge';
const SIEM_FORWARDER = 'siem-forwarder';

export interface StackOptions {
  /** Generated home; a fresh temporary folder (removed on shutdown) unless given. */
  home?: string;
  services?: readonly ServiceName[];
  demoTarget?: boolean;
  natsPort?: number;
  /** JetStream's file storage limit of the single nats-server (the generated config's 4GB unless set), e.g. '64GB' for the history bench. */
  natsMaxFileStore?: string;
  /**
   * Three nats-server nodes instead of one. Streams and consumers then get `jetstream.replicas`
   * (3 unless set) and every service is given all three URLs, so it fails over when a node dies.
   */
  natsCluster?: boolean;
  intakeHttpPort?: number;
  /** Extra environment for the services, e.g. a shorter timer interval. */
  env?: Record<string, string>;
  policyFile?: string;
  /** JetStream settings for provisioning, e.g. a short ack wait so tests see redeliveries quickly. */
  jetstream?: Partial<JetStreamSettings>;
  /**
   * Also run the Slack edge with this environment (its SLACK_* settings, e.g. a stand-in's URL and
   * secrets). It gets its own HTTP port for Slack's interactivity requests.
   */
  slack?: { env: Record<string, string>; httpPort?: number };
  /**
   * Also run the SIEM forwarder (its own process, as a `siem:*` reader) with this environment, e.g.
   * COUNTERSIGN_SIEM_CONFIG_JSON naming its sinks (docs/siem.md).
   */
  siemForwarder?: { env: Record<string, string> };
  /**
   * Also run the MCP gateway over Streamable HTTP as `requester` (docs/agents.md), on its own port;
   * `env` adds to its environment (e.g. a run attestation file).
   */
  mcpGateway?: { requester: string; env?: Record<string, string>; port?: number };
  /** Replaces deploy/identities.json, e.g. to give a test requester another environment. */
  description?: IdentityDescription;
  /** Replaces the target registry deploy/targets.json, e.g. to register a target in another environment. */
  targets?: TargetRegistryDocument;
  log?: (name: string, line: string) => void;
  /**
   * Restart a process that exits without being asked to, with exponential back-off (`npm start`
   * and the chaos suite); `true` for the default policy. Off by default: tests drive start/stop.
   */
  supervise?: boolean | Partial<SupervisionPolicy>;
  /** Also run a real sshd as the `demo-ssh` target (ssh-demo.ts); where it cannot run, `sshDemo` says why. */
  sshDemo?: boolean;
  /** Node arguments that run process `name`; `scripts/service.js <name>` (scripts/built.js) unless given. */
  command?: (name: string) => string[];
}

export interface Stack {
  home: string;
  /** The server, or the cluster (its `url` lists every node). */
  nats: RunningNatsServer;
  /** The same cluster, with its per-node controls, when the stack runs on one. */
  natsCluster?: RunningNatsCluster;
  natsUrl: string;
  intakeUrl: string;
  /** The Slack edge's base URL (HTTP mode), when it runs. */
  slackEdgeUrl: string;
  /** The MCP gateway's Streamable HTTP endpoint, when it runs. */
  mcpGatewayUrl: string;
  demoTargetUrl: string;
  description: IdentityDescription;
  /** The policy the services run, pinned at provisioning; another process of theirs must use it too. */
  policyFile: string;
  start(name: string): Promise<void>;
  stop(name: string, signal?: NodeJS.Signals): Promise<void>;
  restart(name: string, signal?: NodeJS.Signals): Promise<void>;
  /** Signals a process as an outside party would (SIGKILL by default); a supervised one comes back. */
  kill(name: string, signal?: NodeJS.Signals): boolean;
  /** Running and ready. */
  isUp(name: string): boolean;
  /** Base URL of `name`'s operations port (`/health/live`, `/health/ready`, `/metrics`), once it runs. */
  healthUrl(name: string): string | undefined;
  /** Restarts the supervisor has made of `name`. */
  restarts(name: string): number;
  shutdown(): Promise<void>;
  /** The SSH demo target when asked for: its sshd, or why it could not run. */
  sshDemo?: SshDemo;
}

/**
 * Brings up the real stack as separate processes: provisioning, nats-server with the generated
 * users and permissions, JetStream streams and consumers, the demo target and the five services.
 * Used by `npm start`, the end-to-end suites and the benchmark.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const temporary = options.home === undefined;
  const home = options.home ?? mkdtempSync(join(tmpdir(), 'countersign-stack-'));
  const description = withDemoTarget(options.description ?? defaultDescription(), options.demoTarget !== false);
  const demoPort = await freePort();
  const demoTargetUrl = `http://127.0.0.1:${demoPort}`;
  const sshDemo = options.sshDemo ? await startSshDemo(home) : undefined;
  const targets = withSshDemo(options.targets ?? defaultTargets(), sshDemo);
  const demoNames = demoTargetNames(targets);
  // Development mode: the stack plays every identity's machine, making each key in its own
  // keys/<id>/ folder and enrolling only the public halves (deployment: `provision --enrollments`).
  const provisioned = provision({
    description,
    home,
    targets,
    addresses: Object.fromEntries(demoNames.map((name) => [name, demoTargetUrl])),
  });
  options.log?.(
    'countersign',
    `DEVELOPMENT MODE: ${provisioned.generated.length} identity keys made locally in ${join(home, 'keys')} (one folder per identity)`,
  );
  // Like deployment provisioning: the broker and the executor enforce only the pinned policy.
  const policyFile =
    options.policyFile ?? process.env.COUNTERSIGN_POLICY_FILE ?? join(REPO_ROOT, 'deploy', 'policies', 'default.policy.json');
  pinPolicy(home, policyFile);
  const natsCluster = options.natsCluster ? await startClusterFor(home) : undefined;
  const nats =
    natsCluster ??
    (await startNatsServer({
      dir: join(home, 'nats'),
      ...(options.natsPort ? { port: options.natsPort } : {}),
      config: (settings) => withMaxFileStore(renderNatsConfig(settings, loadNatsUsers(home)), options.natsMaxFileStore),
    }));
  await provisionStreams(home, nats.url, description, { ...(natsCluster ? { replicas: 3 } : {}), ...options.jetstream });
  const intakePort = options.intakeHttpPort ?? (await freePort());
  const slackPort = options.slack?.httpPort ?? (await freePort());
  const mcpPort = options.mcpGateway?.port ?? (await freePort());

  const log = options.log ?? (() => undefined);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    COUNTERSIGN_HOME: home,
    COUNTERSIGN_NATS_URL: nats.url,
    COUNTERSIGN_STORE: 'sqlite',
    COUNTERSIGN_HTTP_PORT: String(intakePort),
    DEMO_TARGET_PORT: String(demoPort),
    DEMO_TARGET_DB: join(home, 'data', 'demo-target.sqlite'),
    DEMO_TARGET_ALIASES: demoNames.filter((name) => name !== DEMO_TARGET).join(','),
    COUNTERSIGN_POLICY_FILE: policyFile,
    // Every process picks a free operations port and prints it; the supervisor polls its readiness.
    COUNTERSIGN_HEALTH_PORT: '0',
    ...options.env,
  };
  const envOf = (name: string): NodeJS.ProcessEnv =>
    name === SLACK_EDGE
      ? { ...env, ...options.slack?.env, COUNTERSIGN_HTTP_PORT: String(slackPort) }
      : name === SIEM_FORWARDER
        ? { ...env, ...options.siemForwarder?.env }
        : name === MCP_GATEWAY
          ? { ...env, ...mcpGatewayEnv(options.mcpGateway, mcpPort) }
          : env;
  const commandOf = options.command ?? ((name: string) => [...SERVICE_NODE_FLAGS, join(REPO_ROOT, 'scripts', 'service.js'), name]);
  const supervisor = new Supervisor({
    spawn: (name) => spawnManaged(name, commandOf(name), envOf(name), READY, log, REPO_ROOT),
    ...(options.supervise ? { policy: supervisionPolicy(options.supervise) } : {}),
    log,
    runDir: join(home, 'run'),
  });
  const start = (name: string) => supervisor.start(name);
  const stop = (name: string, signal: NodeJS.Signals = 'SIGTERM') => supervisor.stop(name, signal);
  const names = [
    ...(options.demoTarget === false ? [] : ['demo-target']),
    ...(options.services ?? SERVICE_NAMES),
    ...(options.slack ? [SLACK_EDGE] : []),
    ...(options.siemForwarder ? [SIEM_FORWARDER] : []),
    ...(options.mcpGateway ? [MCP_GATEWAY] : []),
  ];
  try {
    await Promise.all(names.map(start));
  } catch (error) {
    await Promise.all(supervisor.names().map((name) => supervisor.stop(name, 'SIGKILL')));
    await nats.stop({ keep: !temporary });
    if (sshDemo && 'sshd' in sshDemo) await sshDemo.sshd.stop({ keep: true });
    throw error;
  }
  return {
    home,
    nats,
    ...(natsCluster ? { natsCluster } : {}),
    natsUrl: nats.url,
    intakeUrl: `http://127.0.0.1:${intakePort}`,
    slackEdgeUrl: `http://127.0.0.1:${slackPort}`,
    mcpGatewayUrl: `http://127.0.0.1:${mcpPort}/mcp`,
    demoTargetUrl,
    description,
    policyFile,
    ...(sshDemo ? { sshDemo } : {}),
    start,
    stop,
    restart: async (name, signal) => {
      await stop(name, signal);
      await start(name);
    },
    kill: (name, signal) => supervisor.kill(name, signal),
    isUp: (name) => supervisor.isUp(name),
    restarts: (name) => supervisor.restarts(name),
    healthUrl: (name) => supervisor.healthUrl(name),
    shutdown: async () => {
      await supervisor.shutdown();
      await nats.stop({ keep: true });
      if (sshDemo && 'sshd' in sshDemo) await sshDemo.sshd.stop({ keep: true });
      if (temporary) rmSync(home, { recursive: true, force: true });
    },
  };
}

/** The cluster nodes enforce the same generated users and permissions as the single local server. */
const withMaxFileStore = (config: string, limit: string | undefined) =>
  limit === undefined ? config : config.replace(/max_file_store: \S+/, `max_file_store: ${limit}`);

async function startClusterFor(home: string): Promise<RunningNatsCluster> {
  const cluster = await startNatsCluster({
    dir: join(home, 'nats-cluster'),
    extraConfig: ['max_payload: 1MB', renderAuthorization(loadNatsUsers(home))].join('\n'),
  });
  await cluster.waitForMetaLeader();
  return cluster;
}

function supervisionPolicy(supervise: true | Partial<SupervisionPolicy>): SupervisionPolicy {
  return supervise === true ? DEFAULT_SUPERVISION : { ...DEFAULT_SUPERVISION, ...supervise };
}

/**
 * The demo target follows the broker's revocations over NATS as its own identity, so a stack that
 * runs it must provision that identity (NATS user and durable consumer), whatever description it got.
 */
function withDemoTarget(description: IdentityDescription, demoTarget: boolean): IdentityDescription {
  const targets = description.targets ?? [];
  if (!demoTarget || targets.some((target) => target.name === DEMO_TARGET)) return description;
  return { ...description, targets: [...targets, { name: DEMO_TARGET }] };
}

/**
 * The registered targets the demo system stands in for: demo-target and every target registered
 * at the same address (demo-staging). The stack points them all at the demo target's free port,
 * and the demo target accepts credentials minted for any of them.
 */
function demoTargetNames(targets: TargetRegistryDocument): string[] {
  const address = targets.targets.find((target) => target.name === DEMO_TARGET)?.address;
  return address === undefined ? [] : targets.targets.filter((target) => target.address === address).map((target) => target.name);
}

/** deploy/targets.json, the target registry `npm start` and the tests provision by default. */
export function defaultTargets(): TargetRegistryDocument {
  return TargetRegistryDocument.parse(JSON.parse(readFileSync(join(REPO_ROOT, 'deploy', 'targets.json'), 'utf8')));
}

export function defaultDescription(): IdentityDescription {
  return JSON.parse(readFileSync(join(REPO_ROOT, 'deploy', 'identities.json'), 'utf8')) as IdentityDescription;
}

export { HomeLayout };

/**
 * Connects to the stack's NATS as a provisioned user, with its own inbox prefix and permissions.
 * `logger` replaces the connection's own (a client provoking permission errors on purpose passes a silent one).
 */
export function connectAs(
  stack: Pick<Stack, 'home' | 'natsUrl'>,
  user: string,
  options: Partial<Pick<NatsConnectionSettings, 'name' | 'logger'>> = {},
): Promise<NatsConnection> {
  const credentials = loadNatsCredentials(stack.home, user);
  return connectNats({
    url: stack.natsUrl,
    user: credentials.user,
    seed: credentials.seed,
    inboxPrefix: credentials.inboxPrefix,
    name: options.name ?? user,
    ...(options.logger ? { logger: options.logger } : {}),
  });
}
