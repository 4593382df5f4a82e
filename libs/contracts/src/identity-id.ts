import { z } from 'zod';

/** The kinds of principal Countersign knows. The kind is part of the id so it can never be confused. */
export const IDENTITY_KINDS = ['service', 'requester', 'approver', 'siem', 'operator', 'policy', 'target'] as const;
export type IdentityKind = (typeof IDENTITY_KINDS)[number];

/** A name is one NATS subject token: lowercase, digits and dashes. */
export const NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const IdentityName = z.string().regex(NAME_PATTERN, 'lowercase letters, digits and dashes, at most 63');

export const IdentityId = z
  .string()
  .regex(
    /^(service|requester|approver|siem|operator|policy|target):[a-z0-9][a-z0-9.@-]{0,95}$/,
    'an identity id like requester:deploy-bot',
  );
export type IdentityId = z.infer<typeof IdentityId>;

export const SERVICE_NAMES = ['intake', 'approval', 'broker', 'executor', 'audit'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export function identityId(kind: IdentityKind, name: string): IdentityId {
  return `${kind}:${name}`;
}

export function serviceId(name: ServiceName): IdentityId {
  return identityId('service', name);
}

export function parseIdentityId(id: string): { kind: IdentityKind; name: string } {
  const at = id.indexOf(':');
  const kind = id.slice(0, at) as IdentityKind;
  if (at < 1 || !IDENTITY_KINDS.includes(kind)) throw new Error(`not an identity id: ${id}`);
  return { kind, name: id.slice(at + 1) };
}
