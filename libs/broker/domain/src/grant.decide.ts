import { EventTypes, deterministicId, type GrantRevokedV1, type SystemGrant } from '@countersign/contracts';
import type { IntendGrant, IssueCredential, RecordGrantRevoked } from './credential.commands';
import { GrantIntendedType, type CredentialEvent } from './credential.events';
import type { CredentialState } from './credential.state';
import { toMillis } from '@countersign/decider';

/**
 * Grants on real systems (issue 13). One grant per request, recorded before the system is called;
 * a redelivered approval reuses it (same credential id and handle) instead of making a second one.
 */
export function intendGrant(command: IntendGrant, state: CredentialState): CredentialEvent[] {
  if (state.grant !== null || state.issued !== null || state.accepted?.data.requestId !== command.requestId) return [];
  const { requestId, credentialId, target, grant, expiresAt, now } = command;
  return [
    {
      type: GrantIntendedType,
      id: deterministicId(credentialId, 'broker.grant.intended'),
      data: { requestId, credentialId, target, grant, expiresAt, intendedAt: now },
    },
  ];
}

/**
 * The credential must carry exactly the grant that was intended, under the intended credential id:
 * anything else would make a grant the broker cannot find again to revoke. A shell bug: fail loudly.
 */
export function assertIntendedGrant(command: IssueCredential, state: CredentialState): void {
  const intended = state.grant;
  if (!command.grant && !intended) return;
  if (!command.grant || !intended || !sameGrant(command.grant, intended.grant) || intended.credentialId !== command.credentialId) {
    throw new Error(`credential ${command.credentialId} does not carry the grant recorded as intended (this is a bug)`);
  }
}

const sameGrant = (a: SystemGrant, b: SystemGrant) => a.kind === b.kind && a.handle === b.handle;

export interface DueGrantRevocation {
  requestId: string;
  credentialId: string;
  target: string;
  grant: SystemGrant;
  reason: GrantRevokedV1['reason'];
}

/**
 * The revocation on the system the shell should perform now, if any: after the credential is
 * revoked (completion or window end), or, for a grant whose credential was never recorded, once an
 * approval was refused or the grant's window has ended. A live credential's grant is never due.
 */
export function grantRevocationDue(state: CredentialState, now: string): DueGrantRevocation | null {
  const intended = state.grant;
  if (intended === null || state.grantRevoked !== null) return null;
  const { requestId, credentialId, target, grant } = intended;
  if (state.revoked !== null) return { requestId, credentialId, target, grant, reason: state.revoked.reason };
  if (state.issued !== null) return null;
  const refused = state.answeredApprovals.length > 0;
  if (!refused && toMillis(now) < toMillis(intended.expiresAt)) return null;
  return { requestId, credentialId, target, grant, reason: 'never_issued' };
}

export function recordGrantRevoked({ requestId, now }: RecordGrantRevoked, state: CredentialState): CredentialEvent[] {
  const due = grantRevocationDue(state, now);
  if (due === null || due.requestId !== requestId) return [];
  const { credentialId, target, grant, reason } = due;
  return [
    {
      type: EventTypes.GrantRevoked,
      id: deterministicId(credentialId, 'grant.revoked'),
      data: { requestId, credentialId, target, grant, reason, revokedAt: now },
    },
  ];
}
