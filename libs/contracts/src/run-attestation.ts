import { z } from 'zod';
import { ActionKind } from './action';
import { Timestamp } from './common';
import { IdentityId, IdentityName } from './identity-id';
import type { FieldError } from './validation';

/**
 * Verification before approval (issue 19): an agent workload proves, per run, which task it is on
 * and for whom. Verification establishes trust in the workload; approval still governs the action.
 */

/** A run attestation may live at most 12 hours: a run that outlives a working day is a standing grant. */
export const RUN_ATTESTATION_MAX_TTL_MS = 12 * 60 * 60 * 1000;

/** How far in intake's future a run may say it was issued (the workload's clock may run ahead). */
export const RUN_ATTESTATION_MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

/** One task a workload may act in: the kinds, targets and environments it covers (all must match). */
export const TaskScope = z.strictObject({
  name: IdentityName,
  kinds: z.array(ActionKind).min(1),
  targets: z.array(IdentityName).min(1),
  environments: z.array(IdentityName).min(1),
});
export type TaskScope = z.infer<typeof TaskScope>;

/**
 * The `workload` block of a requester in the registry: a requester with one is an agent workload,
 * and intake requires a valid run attestation on every submission from it.
 */
export const WorkloadRegistration = z
  .strictObject({
    /** The model or agent name, e.g. `claude-code`. */
    agent: z.string().trim().min(1).max(100),
    /** Where the workload itself runs, e.g. `staging`. */
    environment: IdentityName,
    taskScopes: z.array(TaskScope).min(1).max(64),
  })
  .superRefine((workload, ctx) => {
    const seen = new Set<string>();
    workload.taskScopes.forEach((scope, index) => {
      if (seen.has(scope.name))
        ctx.addIssue({ code: 'custom', path: ['taskScopes', index, 'name'], message: `task scope ${scope.name} twice` });
      seen.add(scope.name);
    });
  });
export type WorkloadRegistration = z.infer<typeof WorkloadRegistration>;

/** Opaque, chosen by the workload: one subject token so it can be logged and matched safely. */
export const RunId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'letters, digits, dot, dash, underscore; at most 128');

/**
 * `countersign.run.attested.v1`, signed by the workload's own requester key. It is never published
 * on the bus: it travels inside a submission (`RequestSubmittedV1.run`) and intake verifies it.
 */
export const RunAttestedV1 = z
  .strictObject({
    runId: RunId,
    workload: IdentityId,
    taskScope: IdentityName,
    /** The human on whose behalf the run acts. */
    onBehalfOf: IdentityId,
    issuedAt: Timestamp,
    expiresAt: Timestamp,
  })
  .superRefine((run, ctx) => {
    const ttl = Date.parse(run.expiresAt) - Date.parse(run.issuedAt);
    if (ttl <= 0) ctx.addIssue({ code: 'custom', path: ['expiresAt'], message: 'expiresAt must be after issuedAt' });
    if (ttl > RUN_ATTESTATION_MAX_TTL_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['expiresAt'],
        message: `a run may last at most ${RUN_ATTESTATION_MAX_TTL_MS / 60_000} minutes`,
      });
    }
  });
export type RunAttestedV1 = z.infer<typeof RunAttestedV1>;

/** Who asked, on the wire: the workload, its run and the human it acts for (RequestAcceptedV1.agent). */
export const AgentContext = z.strictObject({
  workload: IdentityId,
  runId: RunId,
  taskScope: IdentityName,
  onBehalfOf: IdentityId,
  runExpiresAt: Timestamp,
});
export type AgentContext = z.infer<typeof AgentContext>;

/** The refusal codes of a workload's submission (request.rejected errors[].code). */
export const RunErrorCodes = {
  RunRequired: 'run_required',
  RunInvalid: 'run_invalid',
  RunExpired: 'run_expired',
  RunForeign: 'run_foreign',
  RunOutOfScope: 'run_out_of_scope',
} as const;

/** What a scope is judged on: the action's kind and target, and the registry's environment for it. */
export interface ScopedAction {
  kind: string;
  target: string;
  environment: string | undefined;
}

/**
 * Why the action falls outside the task scope, one error per part (empty when it fits). One rule
 * for intake, which refuses, and the MCP gateway, which lists only what a run may ask for.
 */
export function scopeErrors(scope: TaskScope, action: ScopedAction): FieldError[] {
  const outside = (path: string, what: string): FieldError => ({
    path,
    code: RunErrorCodes.RunOutOfScope,
    message: `${what} is outside task scope ${scope.name}`,
  });
  const errors: FieldError[] = [];
  if (!scope.kinds.includes(action.kind)) errors.push(outside('action.kind', `kind ${action.kind}`));
  if (!scope.targets.includes(action.target)) errors.push(outside('action.target', `target ${action.target}`));
  if (action.environment !== undefined && !scope.environments.includes(action.environment)) {
    errors.push(outside('action.environment', `environment ${action.environment}`));
  }
  return errors;
}

/** The AgentContext an accepted request carries for a verified run. */
export function agentContextOf(run: RunAttestedV1): AgentContext {
  return { workload: run.workload, runId: run.runId, taskScope: run.taskScope, onBehalfOf: run.onBehalfOf, runExpiresAt: run.expiresAt };
}
