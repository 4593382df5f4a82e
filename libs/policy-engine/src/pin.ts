import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { loadPolicyBundleOrThrow, type PolicyBundle } from './bundle';

/** Written by provisioning into the home of every service that evaluates the policy. */
export const policyPinFile = (home: string): string => join(home, 'policy.pin.json');

const PolicyPin = z.strictObject({
  /** The bundle version (SHA-256 over the tier file's canonical JSON and the Cedar text). */
  version: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  label: z.string().min(1),
  /** Where provisioning read it, for the operator; the version is what is enforced. */
  policyFile: z.string().min(1),
});
export type PolicyPin = z.infer<typeof PolicyPin>;

/**
 * Pins the policy bundle at provisioning: the broker and the executor then refuse to start on any
 * other bundle, so whoever can change the file a service reads cannot also change what it enforces
 * without provisioning again. Written atomically.
 */
export function pinPolicy(home: string, policyFile: string): PolicyPin {
  const { policy } = loadPolicyBundleOrThrow(policyFile);
  const pin: PolicyPin = { version: policy.version, label: policy.label, policyFile };
  const file = policyPinFile(home);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(pin, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
  return pin;
}

/**
 * Loads the policy a service re-checks approvals with, only if it is the pinned one. No pin, an
 * unreadable pin or another version stops the service (fail closed): it would otherwise re-check
 * approvals against a policy nobody provisioned.
 */
export function loadPinnedPolicyOrThrow(policyFile: string, home: string): PolicyBundle {
  const file = policyPinFile(home);
  if (!existsSync(file)) throw new Error(`no policy pin at ${file}: run provisioning first (npm run provision)`);
  const pin = PolicyPin.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!pin.success) throw new Error(`the policy pin at ${file} is not valid: ${pin.error.message}`);
  const bundle = loadPolicyBundleOrThrow(policyFile);
  if (bundle.policy.version !== pin.data.version) {
    throw new Error(
      `policy ${policyFile} is version ${bundle.policy.version}, but provisioning pinned ${pin.data.version} (${pin.data.label}): re-run provisioning to adopt a new policy`,
    );
  }
  return bundle;
}
