import { z } from 'zod';
import { ActionKind, DataSensitivity, type ActionRequest, type CanonicalAction } from './action';
import { IdentityName } from './identity-id';
import type { FieldError } from './validation';

/** A role a system grant may confer: a plain lower-case SQL identifier, so it never needs quoting tricks. */
export const GrantName = z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, 'lowercase letters, digits and underscores, at most 63');

/**
 * One protected system in the target registry (`deploy/targets.json`, provisioned into the home's
 * registry): the authority on the facts that decide an action's risk tier. Intake copies them into
 * the accepted request; a submission cannot choose them.
 */
export const RegisteredTarget = z.strictObject({
  name: IdentityName,
  description: z.string().max(200).optional(),
  environment: IdentityName,
  dataSensitivity: DataSensitivity,
  ownerTeam: IdentityName,
  /** The action kinds this target accepts. */
  kinds: z.array(ActionKind).min(1),
  /** Base URL the executor reaches it at; a deployment may override it when provisioning. */
  address: z.url().max(512),
  /** The requesters allowed to act on it, by name. */
  requesters: z.array(IdentityName).min(1),
  /**
   * For targets reached through just-in-time system grants (`postgres.sql`): the roles a request
   * may ask to be made a member of, e.g. `app_read`. Nothing outside this list is ever granted.
   */
  grants: z.array(GrantName).max(32).optional(),
});
export type RegisteredTarget = z.infer<typeof RegisteredTarget>;

/** `deploy/targets.json`: every registered target, each name once. */
export const TargetRegistryDocument = z
  .strictObject({ $comment: z.string().optional(), targets: z.array(RegisteredTarget) })
  .superRefine((document, ctx) => {
    const seen = new Set<string>();
    document.targets.forEach((target, index) => {
      if (seen.has(target.name))
        ctx.addIssue({ code: 'custom', path: ['targets', index, 'name'], message: `${target.name} is registered twice` });
      seen.add(target.name);
    });
  });
export type TargetRegistryDocument = z.infer<typeof TargetRegistryDocument>;

/** The structural part of a registration the check needs (lists may be read-only). */
export type TargetRegistration = Omit<RegisteredTarget, 'kinds' | 'requesters' | 'description' | 'grants'> & {
  kinds: readonly string[];
  requesters: readonly string[];
};

/** Rejection codes of the target check, in the contract's field-error vocabulary. */
export const TargetErrorCodes = {
  UnknownTarget: 'unknown_target',
  RequesterNotAllowedOnTarget: 'requester_not_allowed_on_target',
  KindNotAccepted: 'kind_not_accepted_by_target',
  EnvironmentMismatch: 'environment_mismatch',
  SensitivityMismatch: 'sensitivity_mismatch',
} as const;

/** What the registry contributes to the accepted (and digested) action. */
export type RegistryFacts = Pick<CanonicalAction, 'environment' | 'dataSensitivity' | 'ownerTeam' | 'targetAddress'>;

export type Resolved = { ok: true; facts: RegistryFacts } | { ok: false; errors: FieldError[] };

/**
 * The registry, not the submission, says what a target is. A submission may assert environment
 * and sensitivity; an assertion that differs is rejected (never silently corrected), because a
 * requester that mislabels its target is either misconfigured or trying to pick its own tier.
 * The one rule intake and `countersign policy test` both apply.
 */
export function resolveTarget(action: ActionRequest, requesterName: string, registry: readonly TargetRegistration[]): Resolved {
  const target = registry.find((candidate) => candidate.name === action.target);
  if (!target) {
    return reject('action.target', TargetErrorCodes.UnknownTarget, `${action.target} is not in the target registry`);
  }
  const errors: FieldError[] = [];
  if (!target.requesters.includes(requesterName)) {
    const message = `requester ${requesterName} may not act on ${target.name}`;
    errors.push({ path: 'action.target', code: TargetErrorCodes.RequesterNotAllowedOnTarget, message });
  }
  if (!target.kinds.includes(action.kind)) {
    const message = `${target.name} accepts ${target.kinds.join(', ')}, not ${action.kind}`;
    errors.push({ path: 'action.kind', code: TargetErrorCodes.KindNotAccepted, message });
  }
  if (action.environment !== undefined && action.environment !== target.environment) {
    const message = `the target registry says ${target.name} is ${target.environment}, not ${action.environment}`;
    errors.push({ path: 'action.environment', code: TargetErrorCodes.EnvironmentMismatch, message });
  }
  if (action.dataSensitivity !== undefined && action.dataSensitivity !== target.dataSensitivity) {
    const message = `the target registry says ${target.name} holds ${target.dataSensitivity} data, not ${action.dataSensitivity}`;
    errors.push({ path: 'action.dataSensitivity', code: TargetErrorCodes.SensitivityMismatch, message });
  }
  if (errors.length > 0) return { ok: false, errors };
  const { environment, dataSensitivity, ownerTeam, address } = target;
  return { ok: true, facts: { environment, dataSensitivity, ownerTeam, targetAddress: address } };
}

const FACT_FIELDS = ['environment', 'dataSensitivity', 'ownerTeam', 'targetAddress'] as const;

/**
 * Why an accepted action's registry facts are not the ones this registry gives its target, or
 * undefined when they are. The broker and the executor apply it to intake's accepted request with
 * their own provisioned registry, through the same resolveTarget intake used: a compromised intake
 * cannot relabel a production target as staging (and so pick the auto tier) on its own.
 */
export function registryFactsProblem(
  action: CanonicalAction,
  requesterName: string,
  registry: readonly TargetRegistration[],
): string | undefined {
  const resolved = resolveTarget(action, requesterName, registry);
  if (!resolved.ok) return resolved.errors.map((error) => `${error.code}: ${error.message}`).join('; ');
  const differing = FACT_FIELDS.filter((field) => resolved.facts[field] !== action[field]);
  if (differing.length === 0) return undefined;
  const pairs = differing.map((field) => `${field} ${String(action[field])} (registry: ${String(resolved.facts[field])})`);
  return `the accepted request mislabels ${action.target}: ${pairs.join(', ')}`;
}

function reject(path: string, code: string, message: string): Resolved {
  return { ok: false, errors: [{ path, code, message }] };
}
