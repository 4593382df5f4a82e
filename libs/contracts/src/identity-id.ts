import { z } from 'zod';

/** The kinds of principal Countersign knows. The kind is part of the id so it can never be confused. */
/**
 * `channel` is an edge that relays people's decisions from somewhere they already work (Slack); it
 * signs what it relays, and the vote counts for the person the registry maps the channel user to.
 */
export const IDENTITY_KINDS = ['service', 'requester', 'approver', 'siem', 'operator', 'policy', 'target', 'channel'] as const;
export type IdentityKind = (typeof IDENTITY_KINDS)[number];

/** A name is one NATS subject token: lowercase, digits and dashes. */
export const NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const IdentityName = z.string().regex(NAME_PATTERN, 'lowercase letters, digits and dashes, at most 63');

export const IdentityId = z
  .string()
  .regex(
    /^(service|requester|approver|siem|operator|policy|target|channel):[a-z0-9][a-z0-9.@-]{0,95}$/,
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

/** Each service's identity id, declared once: `SERVICE_IDS.executor` is `service:executor`. */
export const SERVICE_IDS = Object.fromEntries(SERVICE_NAMES.map((name) => [name, serviceId(name)])) as Readonly<
  Record<ServiceName, IdentityId>
>;

export function parseIdentityId(id: string): { kind: IdentityKind; name: string } {
  const at = id.indexOf(':');
  const kind = id.slice(0, at) as IdentityKind;
  if (at < 1 || !IDENTITY_KINDS.includes(kind)) throw new Error(`not an identity id: ${id}`);
  return { kind, name: id.slice(at + 1) };
}
