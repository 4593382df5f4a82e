import { join } from 'node:path';
import { z } from 'zod';
import { IdentityName } from '@countersign/contracts';
import { NatsServersSetting } from '@countersign/messaging';
import { parseEnvironment } from '@countersign/service-runtime';

/** Everything the gateway reads from its environment, validated at start-up (docs/agents.md lists it). */
const Env = z.object({
  COUNTERSIGN_HOME: z.string().min(1).default(join(process.cwd(), '.countersign')),
  COUNTERSIGN_NATS_URL: NatsServersSetting,
  COUNTERSIGN_NATS_CA: z.string().min(1).optional(),
  /** The requester this gateway acts as: one agent workload, one identity, one key. */
  COUNTERSIGN_REQUESTER: IdentityName,
  COUNTERSIGN_KEY_FILE: z.string().min(1).optional(),
  COUNTERSIGN_KEY: z.string().min(1).optional(),
  COUNTERSIGN_ENROLLMENT_DIR: z.string().min(1).optional(),
  COUNTERSIGN_MCP_TRANSPORT: z.enum(['stdio', 'http']).default('stdio'),
  COUNTERSIGN_MCP_HOST: z.string().min(1).default('127.0.0.1'),
  COUNTERSIGN_MCP_PORT: z.coerce.number().int().min(0).max(65535).default(4331),
  /** Host names (beyond loopback) the HTTP endpoint answers to; anything else is refused (DNS rebinding). */
  COUNTERSIGN_MCP_ALLOWED_HOSTS: z.string().optional(),
  COUNTERSIGN_DATA_DIR: z.string().min(1).optional(),
  /** The gateway's own SQLite file of the outcomes it was told. */
  COUNTERSIGN_MCP_DB: z.string().min(1).optional(),
  /** How long one tools/call waits for the outcome before answering "pending" (the request goes on). */
  COUNTERSIGN_MCP_WAIT_SECONDS: z.coerce.number().int().min(1).max(86_400).default(900),
  /** The policy the annotations are read from; without it every tool is annotated as needing people. */
  COUNTERSIGN_POLICY_FILE: z.string().min(1).optional(),
  /** stdio: the run attestation (countersign run attest) this process's calls carry. */
  COUNTERSIGN_RUN_ATTESTATION_FILE: z.string().min(1).optional(),
});

export interface GatewayConfig {
  home: string;
  natsUrl: string;
  natsCa?: string;
  requester: string;
  key: { json?: string; file?: string; enrollmentDir?: string };
  transport: 'stdio' | 'http';
  http: { host: string; port: number; allowedHosts: string[] };
  dbFile: string;
  waitMs: number;
  policyFile?: string;
  runAttestationFile?: string;
}

export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const vars = parseEnvironment(Env, env, 'the MCP gateway');
  const home = vars.COUNTERSIGN_HOME;
  const requester = vars.COUNTERSIGN_REQUESTER;
  return {
    home,
    natsUrl: vars.COUNTERSIGN_NATS_URL,
    ...(vars.COUNTERSIGN_NATS_CA ? { natsCa: vars.COUNTERSIGN_NATS_CA } : {}),
    requester,
    key: {
      ...(vars.COUNTERSIGN_KEY ? { json: vars.COUNTERSIGN_KEY } : {}),
      ...(vars.COUNTERSIGN_KEY_FILE ? { file: vars.COUNTERSIGN_KEY_FILE } : {}),
      ...(vars.COUNTERSIGN_ENROLLMENT_DIR ? { enrollmentDir: vars.COUNTERSIGN_ENROLLMENT_DIR } : {}),
    },
    transport: vars.COUNTERSIGN_MCP_TRANSPORT,
    http: {
      host: vars.COUNTERSIGN_MCP_HOST,
      port: vars.COUNTERSIGN_MCP_PORT,
      allowedHosts: (vars.COUNTERSIGN_MCP_ALLOWED_HOSTS ?? '')
        .split(',')
        .map((host) => host.trim())
        .filter(Boolean),
    },
    dbFile: vars.COUNTERSIGN_MCP_DB ?? join(vars.COUNTERSIGN_DATA_DIR ?? join(home, 'data'), `mcp-gateway-${requester}.sqlite`),
    waitMs: vars.COUNTERSIGN_MCP_WAIT_SECONDS * 1000,
    ...(vars.COUNTERSIGN_POLICY_FILE ? { policyFile: vars.COUNTERSIGN_POLICY_FILE } : {}),
    ...(vars.COUNTERSIGN_RUN_ATTESTATION_FILE ? { runAttestationFile: vars.COUNTERSIGN_RUN_ATTESTATION_FILE } : {}),
  };
}
