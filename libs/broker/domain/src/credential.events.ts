import type {
  CredentialIssuedV1,
  CredentialRefusedV1,
  CredentialRevokedV1,
  Envelope,
  EventTypes,
  GrantRevokedV1,
  RequestAcceptedV1,
  SystemGrant,
} from '@countersign/contracts';
import type { DecidedEvent as DomainEvent } from '@countersign/decider';

/** One stream per request in the broker's own store: its copy of the request, then the credential's life. */
export const credentialStream = (requestId: string): string => `credential-${requestId}`;

/** An event as the decider produces it (one shape for every service: see libs/decider). */
export type { DomainEvent };

/** Kept in the broker's store only, never published: intake already published the original. */
export const AcceptedRequestRecordedType = 'local.accepted.recorded';

export type AcceptedRequestRecorded = DomainEvent<typeof AcceptedRequestRecordedType, { accepted: Envelope<RequestAcceptedV1> }>;
/**
 * Kept in the broker's store only: a grant on a real system is about to be made (issue 13). Recorded
 * BEFORE the system is called, so a broker killed between the call and `credential.issued` still
 * knows the grant exists and revokes it (at its window end, or on the credential's revocation).
 */
export const GrantIntendedType = 'local.grant.intended';

export interface GrantIntendedData {
  requestId: string;
  credentialId: string;
  /** The registered target the grant is made on. */
  target: string;
  grant: SystemGrant;
  /** Past this instant the grant is revoked even if its credential was never recorded. */
  expiresAt: string;
  intendedAt: string;
}

export type GrantIntended = DomainEvent<typeof GrantIntendedType, GrantIntendedData>;
export type GrantRevoked = DomainEvent<typeof EventTypes.GrantRevoked, GrantRevokedV1>;
export type CredentialIssued = DomainEvent<typeof EventTypes.CredentialIssued, CredentialIssuedV1>;
export type CredentialRefused = DomainEvent<typeof EventTypes.CredentialRefused, CredentialRefusedV1>;
export type CredentialRevoked = DomainEvent<typeof EventTypes.CredentialRevoked, CredentialRevokedV1>;

export type CredentialEvent =
  AcceptedRequestRecorded | CredentialIssued | CredentialRefused | CredentialRevoked | GrantIntended | GrantRevoked;
