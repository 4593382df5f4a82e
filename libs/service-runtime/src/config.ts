import { join } from 'node:path';
import { z } from 'zod';
import { SERVICE_NAMES, type IdentityId, type ServiceName } from '@countersign/contracts';
import { NatsServersSetting } from '@countersign/messaging';

/**
 * Everything a service reads from its environment, validated once at start-up so a typo fails the
 * process with the variable's name instead of surfacing later as undefined behaviour.
 */
const Env = z.object({
  COUNTERSIGN_HOME: z.string().min(1).default(join(process.cwd(), '.countersign')),
  /** One server, or every node of a cluster comma-separated, so the service fails over when one dies. */
  COUNTERSIGN_NATS_URL: NatsServersSetting,
  COUNTERSIGN_STORE: z.enum(['sqlite', 'kurrentdb']).default('sqlite'),
  /** Where SQLite stores live; `<home>/data` unless the home is mounted read-only (containers). */
  COUNTERSIGN_DATA_DIR: z.string().min(1).optional(),
  KURRENTDB_URL: z.string().optional(),
  COUNTERSIGN_HTTP_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  COUNTERSIGN_HTTP_HOST: z.string().min(1).default('127.0.0.1'),
  COUNTERSIGN_POLICY_FILE: z.string().optional(),
  COUNTERSIGN_TARGETS_FILE: z.string().optional(),
  COUNTERSIGN_TIMER_MS: z.coerce.number().int().min(50).default(1000),
  COUNTERSIGN_MAX_DELIVER: z.coerce.number().int().min(1).default(5),
  COUNTERSIGN_HEALTH_FILE: z.string().min(1).optional(),
  /** Liveness, readiness and /metrics (docs/operations.md); 0 picks a free port, printed at start-up. */
  COUNTERSIGN_HEALTH_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  COUNTERSIGN_HEALTH_HOST: z.string().min(1).default('127.0.0.1'),
  /** Broker and executor: not ready once an approval has waited this long for audit's receipt. */
  COUNTERSIGN_AUDIT_GATE_MAX_WAIT_MS: z.coerce.number().int().min(1000).default(60_000),
  /** How often trust.json is re-read, so rotated keys reach running services (see ReloadingTrustStore). */
  COUNTERSIGN_TRUST_RELOAD_MS: z.coerce.number().int().min(50).default(2000),
  /** The CA of the NATS servers' certificates; set, every connection requires TLS. */
  COUNTERSIGN_NATS_CA: z.string().min(1).optional(),
  /** This process's own key file (made on first start when missing); `<home>/keys/<id>/key.json` by default. */
  COUNTERSIGN_KEY_FILE: z.string().min(1).optional(),
  /** The key file's content as JSON, injected by the platform instead of a file. */
  COUNTERSIGN_KEY: z.string().min(1).optional(),
  /** Where the process writes its public enrollment for the operator to collect. */
  COUNTERSIGN_ENROLLMENT_DIR: z.string().min(1).optional(),
});

export interface ServiceConfig {
  /** The process's name: a service, or `channel-<name>` for an edge such as Slack's. */
  service: string;
  identity: IdentityId;
  /** The NATS user it connects as (see natsUserName in @countersign/identity). */
  natsUser: string;
  home: string;
  natsUrl: string;
  store: { kind: 'sqlite'; file: string } | { kind: 'kurrentdb'; url: string };
  httpPort?: number;
  /** Loopback locally; 0.0.0.0 inside a container. */
  httpHost: string;
  policyFile: string;
  targetsFile: string;
  /** How often timers (expiry, revocation, in-doubt reconciliation) look for due work. */
  timerMs: number;
  maxDeliver: number;
  /** How often trust.json is re-read while the service runs. */
  trustReloadMs: number;
  /** Touched every few seconds while the service runs and its NATS connection is open (container health checks). */
  healthFile?: string;
  /** The operations port (health, readiness, metrics) and the interface it listens on. */
  healthPort: number;
  healthHost: string;
  auditGateMaxWaitMs: number;
  /** Its own key: injected JSON, a file (made on first start), and where its enrollment goes. */
  key: { json?: string; file?: string; enrollmentDir?: string };
  natsCa?: string;
}

export function loadServiceConfig(service: ServiceName, env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  if (!SERVICE_NAMES.includes(service)) throw new Error(`unknown service ${String(service)}`);
  return loadConfig({ service, identity: `service:${service}`, natsUser: service }, env);
}

/** A channel edge (e.g. `slack`) runs like a service under its own identity, NATS user and store. */
export function loadChannelConfig(channel: string, env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  return loadConfig({ service: `channel-${channel}`, identity: `channel:${channel}`, natsUser: `channel-${channel}` }, env);
}

/** A process's environment, read once at start-up: a bad or missing variable stops it, naming the variable (fail closed). */
export function parseEnvironment<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv, what: string): z.output<S> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
  throw new Error(`invalid environment for ${what}: ${problems}`);
}

function loadConfig(names: Pick<ServiceConfig, 'service' | 'identity' | 'natsUser'>, env: NodeJS.ProcessEnv): ServiceConfig {
  const { service } = names;
  const vars = parseEnvironment(Env, env, service);
  if (vars.COUNTERSIGN_STORE === 'kurrentdb' && !vars.KURRENTDB_URL) {
    throw new Error('COUNTERSIGN_STORE=kurrentdb needs KURRENTDB_URL (a kurrentdb:// connection string with this service’s user)');
  }
  const home = vars.COUNTERSIGN_HOME;
  return {
    ...names,
    home,
    natsUrl: vars.COUNTERSIGN_NATS_URL,
    store:
      vars.COUNTERSIGN_STORE === 'kurrentdb'
        ? { kind: 'kurrentdb', url: vars.KURRENTDB_URL ?? '' }
        : { kind: 'sqlite', file: join(vars.COUNTERSIGN_DATA_DIR ?? join(home, 'data'), `${service}.sqlite`) },
    ...(vars.COUNTERSIGN_HTTP_PORT === undefined ? {} : { httpPort: vars.COUNTERSIGN_HTTP_PORT }),
    httpHost: vars.COUNTERSIGN_HTTP_HOST,
    policyFile: vars.COUNTERSIGN_POLICY_FILE ?? join(process.cwd(), 'deploy', 'policies', 'default.policy.json'),
    targetsFile: vars.COUNTERSIGN_TARGETS_FILE ?? join(home, 'targets.json'),
    timerMs: vars.COUNTERSIGN_TIMER_MS,
    maxDeliver: vars.COUNTERSIGN_MAX_DELIVER,
    trustReloadMs: vars.COUNTERSIGN_TRUST_RELOAD_MS,
    ...(vars.COUNTERSIGN_HEALTH_FILE ? { healthFile: vars.COUNTERSIGN_HEALTH_FILE } : {}),
    healthPort: vars.COUNTERSIGN_HEALTH_PORT,
    healthHost: vars.COUNTERSIGN_HEALTH_HOST,
    auditGateMaxWaitMs: vars.COUNTERSIGN_AUDIT_GATE_MAX_WAIT_MS,
    key: {
      ...(vars.COUNTERSIGN_KEY ? { json: vars.COUNTERSIGN_KEY } : {}),
      ...(vars.COUNTERSIGN_KEY_FILE ? { file: vars.COUNTERSIGN_KEY_FILE } : {}),
      ...(vars.COUNTERSIGN_ENROLLMENT_DIR ? { enrollmentDir: vars.COUNTERSIGN_ENROLLMENT_DIR } : {}),
    },
    ...(vars.COUNTERSIGN_NATS_CA ? { natsCa: vars.COUNTERSIGN_NATS_CA } : {}),
  };
}
