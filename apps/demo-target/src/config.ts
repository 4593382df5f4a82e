import type { KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { NAME_PATTERN, SERVICE_IDS } from '@countersign/contracts';
import { HomeLayout, loadOwnKey, loadTrustStore, natsCredentialsOf, type NatsCredentials, type TrustStore } from '@countersign/identity';

export const DEFAULT_PORT = 4380;

export interface DemoTargetConfig {
  port: number;
  host: string;
  home: string;
  dbPath: string;
  targetName: string;
  /** DEMO_TARGET_ALIASES: other registered names of this system, comma-separated. */
  aliases: string[];
  brokerKey: KeyObject;
  brokerKeyId: string;
  /** Verifies the broker's revocation events. */
  trust: TrustStore;
  /** Where to follow revocations, as the target's own NATS user; absent when COUNTERSIGN_NATS_URL is unset. */
  nats?: { servers: string[]; credentials: NatsCredentials };
}

/**
 * Everything comes from the environment and the provisioned home; the broker key is taken from the
 * trust store, the same public document every service uses, never from a request.
 */
export function loadDemoTargetConfig(env: NodeJS.ProcessEnv): DemoTargetConfig {
  const home = env.COUNTERSIGN_HOME ?? join(process.cwd(), '.countersign');
  const targetName = env.DEMO_TARGET_NAME ?? 'demo-target';
  if (!NAME_PATTERN.test(targetName)) throw new Error(`DEMO_TARGET_NAME ${targetName} is not a valid target name`);
  const aliases = (env.DEMO_TARGET_ALIASES ?? '').split(',').filter((alias) => alias !== '');
  const invalid = aliases.filter((alias) => !NAME_PATTERN.test(alias));
  if (invalid.length > 0) throw new Error(`DEMO_TARGET_ALIASES ${invalid.join(', ')}: not valid target names`);
  // Its own NATS key first (made on first start), so its enrollment exists even before provisioning ran.
  const nats = env.COUNTERSIGN_NATS_URL ? natsSettings(env.COUNTERSIGN_NATS_URL, home, targetName, env) : undefined;
  const trust = loadTrustStore(home);
  const broker = brokerSigningKey(trust);
  return {
    port: parsePort(env.DEMO_TARGET_PORT),
    host: env.DEMO_TARGET_HOST ?? '127.0.0.1',
    home,
    dbPath: env.DEMO_TARGET_DB ?? HomeLayout.data(home, 'demo-target'),
    targetName,
    aliases,
    ...broker,
    trust,
    ...(nats ? { nats } : {}),
  };
}

/**
 * The target's NATS user (`target-<name>`) is provisioned from the `targets` of deploy/identities.json
 * and its enrollment; its seed is its own (COUNTERSIGN_KEY_FILE, or <home>/keys/target-<name>/key.json).
 */
function natsSettings(url: string, home: string, targetName: string, env: NodeJS.ProcessEnv): NonNullable<DemoTargetConfig['nats']> {
  const own = loadOwnKey({
    home,
    owner: `target:${targetName}`,
    ...(env.COUNTERSIGN_KEY_FILE ? { keyFile: env.COUNTERSIGN_KEY_FILE } : {}),
    ...(env.COUNTERSIGN_ENROLLMENT_DIR ? { enrollmentDir: env.COUNTERSIGN_ENROLLMENT_DIR } : {}),
  });
  return { servers: url.split(','), credentials: natsCredentialsOf(own.file) };
}

function brokerSigningKey(trust: TrustStore): { brokerKey: KeyObject; brokerKeyId: string } {
  const active = trust.activeSigningKey(SERVICE_IDS.broker);
  if (!active) throw new Error(`the trust store has no active signing key for ${SERVICE_IDS.broker}`);
  return { brokerKey: active.key, brokerKeyId: active.keyId };
}

function parsePort(value: string | undefined): number {
  if (value === undefined || value === '') return DEFAULT_PORT;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`DEMO_TARGET_PORT ${value} is not a port`);
  return port;
}
