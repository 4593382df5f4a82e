import type { KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { NAME_PATTERN, SERVICE_IDS } from '@countersign/contracts';
import {
  HomeLayout,
  loadNatsCredentials,
  loadTrustStore,
  natsUserName,
  type NatsCredentials,
  type TrustStore,
} from '@countersign/identity';

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
    ...(env.COUNTERSIGN_NATS_URL ? { nats: natsSettings(env.COUNTERSIGN_NATS_URL, home, targetName) } : {}),
  };
}

/** The target's NATS user (`target-<name>`) is provisioned from the `targets` of deploy/identities.json. */
function natsSettings(url: string, home: string, targetName: string): NonNullable<DemoTargetConfig['nats']> {
  return { servers: url.split(','), credentials: loadNatsCredentials(home, natsUserName({ kind: 'target', name: targetName })) };
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
