import { errorMessage } from '@countersign/contracts';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultHome, loadNatsUsers, provision, renderAuthorization, type IdentityDescription } from '@countersign/identity';
import { provisionStreams } from '@countersign/messaging';
import { pinPolicy } from '@countersign/policy-engine';

/** The checkout, or the build's root: the deploy/ defaults sit beside tools/ in both. */
const REPO_ROOT = join(__dirname, '..');

/**
 * Deployment provisioning (docker-compose `provision`): from the enrollments in
 * COUNTERSIGN_ENROLLMENTS_DIR (public keys only; without it, development mode makes every key
 * here), the trust store, registry and NATS users (public NKEYs) into COUNTERSIGN_HOME, the policy pin (COUNTERSIGN_POLICY_FILE's bundle
 * version, which the broker and the executor enforce), the NATS users include for the cluster
 * nodes, then JetStream streams and consumers once the cluster answers.
 */
async function main(): Promise<void> {
  const home = defaultHome();
  const descriptionFile = process.env.COUNTERSIGN_DESCRIPTION ?? join(REPO_ROOT, 'deploy', 'identities.json');
  const description = JSON.parse(readFileSync(descriptionFile, 'utf8')) as IdentityDescription;
  // The target registry, and where this deployment reaches its targets (name -> base URL).
  const targets = readJson(process.env.COUNTERSIGN_TARGET_REGISTRY ?? join(REPO_ROOT, 'deploy', 'targets.json'));
  const addressesFile = process.env.COUNTERSIGN_TARGET_ADDRESSES;
  const addresses = addressesFile ? (readJson(addressesFile) as Record<string, string>) : undefined;
  const enrollments = process.env.COUNTERSIGN_ENROLLMENTS_DIR;
  const provisionerKeyFile = process.env.COUNTERSIGN_PROVISIONER_KEY_FILE;
  const result = provision({
    description,
    home,
    targets,
    ...(addresses ? { addresses } : {}),
    ...(enrollments ? { enrollments } : {}),
    ...(provisionerKeyFile ? { provisionerKeyFile } : {}),
  });
  if (result.mode === 'development') console.log(`provision: DEVELOPMENT MODE: every identity's key made in ${home}/keys`);
  console.log(`provision: ${result.identities.length} identities trusted in ${home}, ${result.natsUsers.length} NATS users (NKEYs)`);
  if (result.notEnrolled.length > 0)
    console.log(`provision: not enrolled (no key trusted, no NATS user): ${result.notEnrolled.join(', ')}`);
  const pin = pinPolicy(home, process.env.COUNTERSIGN_POLICY_FILE ?? join(REPO_ROOT, 'deploy', 'policies', 'default.policy.json'));
  console.log(`provision: policy ${pin.label} pinned at ${pin.version}`);

  const authFile = process.env.COUNTERSIGN_NATS_AUTH_FILE;
  if (authFile) {
    // Written atomically: the NATS nodes start as soon as the file appears.
    writeFileSync(`${authFile}.tmp`, renderAuthorization(loadNatsUsers(home)), { mode: 0o600 });
    renameSync(`${authFile}.tmp`, authFile);
    console.log(`provision: NATS users written to ${authFile}`);
  }
  const natsUrl = process.env.COUNTERSIGN_NATS_URL;
  if (natsUrl) {
    const replicas = Number(process.env.COUNTERSIGN_JETSTREAM_REPLICAS ?? 1);
    const caFile = process.env.COUNTERSIGN_NATS_CA;
    const connection = { ...(provisionerKeyFile ? { keyFile: provisionerKeyFile } : {}), ...(caFile ? { caFile } : {}) };
    await retry(() => provisionStreams(home, natsUrl, description, { replicas }, connection), 120_000);
    console.log(`provision: JetStream streams and consumers ready (${replicas} replicas)`);
  }
}

function readJson(file: string): unknown {
  return JSON.parse(readFileSync(file, 'utf8')) as unknown;
}

async function retry(action: () => Promise<void>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await action();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      console.log(`provision: waiting for JetStream (${errorMessage(error)})`);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
  }
}

main().catch((error: unknown) => {
  console.error(errorMessage(error));
  process.exit(1);
});
