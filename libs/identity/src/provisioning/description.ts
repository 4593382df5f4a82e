import { z } from 'zod';
import { IdentityName, RegisteredTarget, SERVICE_NAMES, SlackUser, WorkloadRegistration } from '@countersign/contracts';

/**
 * The one declarative description of who exists. Keys, trust store, registry, NATS users and
 * their permissions are all derived from it, so a reviewer reads one file to know who may do what.
 */
export const Requester = z
  .strictObject({
    name: IdentityName,
    description: z.string().max(200).optional(),
    allowedKinds: z.array(z.string()).min(1),
    allowedEnvironments: z.array(z.string()).min(1),
    /** The person accountable for an agent; policy may forbid them from approving its requests. */
    owner: z.string().optional(),
    /**
     * Makes the requester an agent workload (issue 19): its agent, where it runs, the task scopes it
     * may act in. Intake then requires a signed run attestation on every submission (fail closed).
     */
    workload: WorkloadRegistration.optional(),
  })
  .superRefine((requester, ctx) => {
    // A scope wider than the requester itself would read as a grant it does not have.
    requester.workload?.taskScopes.forEach((scope, index) => {
      const path = ['workload', 'taskScopes', index];
      const kinds = scope.kinds.filter((kind) => !requester.allowedKinds.includes(kind));
      if (kinds.length > 0) ctx.addIssue({ code: 'custom', path: [...path, 'kinds'], message: `not in allowedKinds: ${kinds.join(', ')}` });
      const environments = scope.environments.filter((environment) => !requester.allowedEnvironments.includes(environment));
      if (environments.length > 0) {
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'environments'],
          message: `not in allowedEnvironments: ${environments.join(', ')}`,
        });
      }
    });
  });

export const Approver = z.strictObject({
  name: IdentityName,
  /** The human behind the identity; two identities of one person count as one for separation. */
  person: z.string().min(1),
  /**
   * The Slack user who votes as this approver through the Slack channel. Unmapped Slack users
   * cannot vote; one Slack user maps to at most one approver.
   */
  slack: SlackUser.optional(),
});

/**
 * A protected system actions run against. It signs nothing (no keys); it gets a NATS user only to
 * follow the broker's credential revocations.
 */
export const Target = z.strictObject({ name: IdentityName });

export const IdentityDescription = z
  .strictObject({
    environment: z.string().min(1),
    services: z.array(z.enum(SERVICE_NAMES)).length(SERVICE_NAMES.length),
    requesters: z.array(Requester),
    approvers: z.array(Approver),
    siemReaders: z.array(IdentityName),
    operators: z.array(IdentityName),
    targets: z.array(Target).optional(),
    /** Edges that relay people's votes (`slack`); each gets a key and a NATS user of its own. */
    channels: z.array(IdentityName).optional(),
  })
  .superRefine((description, ctx) => {
    const seen = new Map<string, string>();
    description.approvers.forEach((approver, index) => {
      if (!approver.slack) return;
      const key = `${approver.slack.teamId}/${approver.slack.userId}`;
      const earlier = seen.get(key);
      if (earlier) {
        ctx.addIssue({ code: 'custom', path: ['approvers', index, 'slack'], message: `Slack user ${key} already maps to ${earlier}` });
      }
      seen.set(key, approver.name);
    });
  });
export type IdentityDescription = z.infer<typeof IdentityDescription>;
export type RequesterDescription = z.infer<typeof Requester>;

/** What intake needs to know about requesters and targets, and approval about people. Public, no secrets. */
export const Registry = z.object({
  environment: z.string(),
  requesters: z.array(Requester),
  approvers: z.array(Approver),
  targets: z.array(RegisteredTarget),
});
export type Registry = z.infer<typeof Registry>;
