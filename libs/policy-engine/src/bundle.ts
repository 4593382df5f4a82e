import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { errorMessage, type RequestAcceptedV1 } from '@countersign/contracts';
import {
  evaluatePolicy,
  formatPolicyErrors,
  parsePolicy,
  policyVersion,
  selectRoute,
  type Authorization,
  type PeopleFacts,
  type Policy,
  type PolicyDecision,
  type PolicyError,
} from '@countersign/policy';
import { authorize } from './cedar.authorize';
import { compileCedar, type CompiledCedar } from './cedar.compile';

export type { PeopleFacts } from '@countersign/policy';

/** A policy as the approval service runs it: the JSON tiers and the Cedar file they name, one version. */
export interface PolicyBundle {
  /** Its `version` covers both files. */
  policy: Policy;
  cedar: CompiledCedar;
  files: { policy: string; cedar: string };
}

export type LoadedBundle = { ok: true; bundle: PolicyBundle } | { ok: false; errors: PolicyError[] };

/**
 * Reads a tier policy file and the Cedar file it names (`authorization`, in the same folder),
 * validates both, and versions them together. Errors name the file and line.
 */
export function loadPolicyBundle(policyFile: string): LoadedBundle {
  const text = readText(policyFile);
  if (!text.ok) return text;
  const parsed = parsePolicy(text.value, policyFile);
  if (!parsed.ok) return parsed;
  const cedarFile = join(dirname(policyFile), parsed.policy.authorization);
  const cedarText = readText(cedarFile);
  if (!cedarText.ok) return cedarText;
  const version = policyVersion(text.value, cedarText.value);
  const compiled = compileCedar(cedarText.value, cedarFile, version);
  if (!compiled.ok) return compiled;
  return {
    ok: true,
    bundle: { policy: { ...parsed.policy, version }, cedar: compiled.cedar, files: { policy: policyFile, cedar: cedarFile } },
  };
}

/** Like loadPolicyBundle, for start-up: a policy that does not load stops the service (fail closed). */
export function loadPolicyBundleOrThrow(policyFile: string): PolicyBundle {
  const loaded = loadPolicyBundle(policyFile);
  if (!loaded.ok) throw new Error(`approval policy does not load:\n${formatPolicyErrors(loaded.errors)}`);
  return loaded.bundle;
}

function readText(file: string): { ok: true; value: string } | { ok: false; errors: PolicyError[] } {
  try {
    return { ok: true, value: readFileSync(file, 'utf8') };
  } catch (error) {
    const message = `cannot read: ${errorMessage(error)}`;
    return { ok: false, errors: [{ file, path: '(file)', code: 'unreadable', message }] };
  }
}

/**
 * Everything the approval service decides about a request when it opens: the tier, Cedar's
 * answers for that tier, and the decision the pure decider is given.
 */
export function decideRequest(
  bundle: PolicyBundle,
  accepted: Pick<RequestAcceptedV1, 'requestId' | 'requester' | 'action'>,
  people: PeopleFacts,
  now: string,
): { decision: PolicyDecision; authorization: Authorization } {
  const route = selectRoute(bundle.policy, accepted.action, now);
  const authorization = authorize(bundle.cedar, bundle.policy, { accepted, ...people, route });
  return { decision: evaluatePolicy(bundle.policy, accepted, now, authorization), authorization };
}
