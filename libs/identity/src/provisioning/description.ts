import { z } from 'zod';
import { IdentityName, SERVICE_NAMES } from '@countersign/contracts';

/**
 * The one declarative description of who exists. Keys, trust store, registry, NATS users and
 * their permissions are all derived from it, so a reviewer reads one file to know who may do what.
 */
export const Requester = z.strictObject({
  name: IdentityName,
  description: z.string().max(200).optional(),
  allowedKinds: z.array(z.string()).min(1),
  allowedEnvironments: z.array(z.string()).min(1),
  /** The person accountable for an agent; policy may forbid them from approving its requests. */
  owner: z.string().optional(),
});

export const Approver = z.strictObject({
  name: IdentityName,
  /** The human behind the identity; two identities of one person count as one for separation. */
  person: z.string().min(1),
});

/**
 * A protected system actions run against. It signs nothing (no keys); it gets a NATS user only to
 * follow the broker's credential revocations.
 */
export const Target = z.strictObject({ name: IdentityName });

export const IdentityDescription = z.strictObject({
  environment: z.string().min(1),
  services: z.array(z.enum(SERVICE_NAMES)).length(SERVICE_NAMES.length),
  requesters: z.array(Requester),
  approvers: z.array(Approver),
  siemReaders: z.array(IdentityName),
  operators: z.array(IdentityName),
  targets: z.array(Target).optional(),
});
export type IdentityDescription = z.infer<typeof IdentityDescription>;
export type RequesterDescription = z.infer<typeof Requester>;

/** What intake needs to know about requesters, and approval about people. Public, no secrets. */
export const Registry = z.object({
  environment: z.string(),
  requesters: z.array(Requester),
  approvers: z.array(Approver),
});
export type Registry = z.infer<typeof Registry>;
