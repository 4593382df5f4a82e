import { EventTypes, deterministicId, serviceId } from '@countersign/contracts';
import { byCommandType, type Decider } from '@countersign/decider';
import { gateBeforeIssuing } from './audit-gate';
import { credentialTerms } from './approval-recheck';
import type {
  CredentialCommand,
  CredentialRefusalCode,
  IssueCredential,
  RecordAcceptedRequest,
  RefuseCredential,
  RevokeCredential,
} from './credential.commands';
import { AcceptedRequestRecordedType, type CredentialEvent, type CredentialRefused } from './credential.events';
import { evolveCredential, initialCredentialState, type CredentialState } from './credential.state';
import { assertIntendedGrant, intendGrant, recordGrantRevoked } from './grant.decide';
import { toMillis } from '@countersign/decider';

const MAX_MESSAGE = 500;

function recordAcceptedRequest({ accepted }: RecordAcceptedRequest, state: CredentialState): CredentialEvent[] {
  // The first accepted event wins; intake emits one per request, so a second one is a redelivery.
  if (state.accepted !== null) return [];
  return [{ type: AcceptedRequestRecordedType, id: deterministicId(accepted.id, 'broker.accepted.recorded'), data: { accepted } }];
}

function refused(approval: IssueCredential['approval'], now: string, code: CredentialRefusalCode, message: string): CredentialRefused {
  return {
    type: EventTypes.CredentialRefused,
    id: deterministicId(approval.id, 'credential.refused'),
    data: {
      requestId: approval.data.requestId,
      approvalEventId: approval.id,
      code,
      message: message.slice(0, MAX_MESSAGE),
      refusedAt: now,
    },
  };
}

function issueCredential(command: IssueCredential, state: CredentialState): CredentialEvent[] {
  const { approval, now } = command;
  if (state.answeredApprovals.includes(approval.id)) return [];
  if (state.issued !== null) return [refused(approval, now, 'already_issued', 'a credential was already issued for this request')];
  const terms = credentialTerms(state, approval, command.facts, now);
  if (!terms.ok) return [refused(approval, now, terms.code, terms.message)];
  const gated = gateBeforeIssuing(command.receipts, approval, (message) => refused(approval, now, 'audit_receipt_invalid', message));
  if (gated) return gated;
  assertMintedWithinTerms(command, terms, state);
  assertIntendedGrant(command, state);
  const { credentialId, executor, sealed, notBefore, expiresAt, grant } = command;
  const { requestId, digest } = approval.data;
  const data = { requestId, digest, credentialId, executor, approvalEventId: approval.id, notBefore, expiresAt, sealed, issuedAt: now };
  return [
    { type: EventTypes.CredentialIssued, id: deterministicId(approval.id, 'credential.issued'), data: grant ? { ...data, grant } : data },
  ];
}

/**
 * The JWT inside `sealed` was minted before this call, so bounds wider than the terms, or an
 * executor that shares an identity with the request, mean the shell is broken: fail loudly.
 */
function assertMintedWithinTerms(command: IssueCredential, terms: { notBefore: string; expiresAt: string }, state: CredentialState): void {
  const from = toMillis(command.notBefore);
  const until = toMillis(command.expiresAt);
  if (!(from >= toMillis(terms.notBefore) && until <= toMillis(terms.expiresAt) && from < until)) {
    throw new Error(`credential bounds ${command.notBefore}..${command.expiresAt} exceed the issuance terms (this is a bug)`);
  }
  const taken = [state.accepted?.data.requester, serviceId('broker'), ...command.approval.data.approvers.map((a) => a.id)];
  if (taken.includes(command.executor)) {
    throw new Error(`executor ${command.executor} is also a party to the request (this is a bug)`);
  }
}

function refuseCredential({ approval, now, code, message }: RefuseCredential, state: CredentialState): CredentialEvent[] {
  return state.answeredApprovals.includes(approval.id) ? [] : [refused(approval, now, code, message)];
}

/** Revoked once. A window_ended timer that fires early is ignored rather than cutting a live credential short. */
function revokeCredential({ requestId, reason, causeId, now }: RevokeCredential, state: CredentialState): CredentialEvent[] {
  const issued = state.issued?.credential;
  if (!issued || issued.requestId !== requestId || state.revoked !== null) return [];
  if (reason === 'window_ended' && toMillis(now) < toMillis(issued.expiresAt)) return [];
  // A grant on a real system goes with it: its revocation there is due from now on (grantRevocationDue).
  const data = { requestId, credentialId: issued.credentialId, reason, revokedAt: now };
  const grant = issued.grant;
  return [
    { type: EventTypes.CredentialRevoked, id: deterministicId(causeId, 'credential.revoked'), data: grant ? { ...data, grant } : data },
  ];
}

export const decideCredential = byCommandType<CredentialCommand, CredentialState, CredentialEvent>({
  RecordAcceptedRequest: recordAcceptedRequest,
  IssueCredential: issueCredential,
  RefuseCredential: refuseCredential,
  RevokeCredential: revokeCredential,
  IntendGrant: intendGrant,
  RecordGrantRevoked: recordGrantRevoked,
});

/**
 * The revocation a timer should send now: the credential's own window (at most the approved window)
 * has ended and nothing revoked it yet. Its cause is the issuance, so a repeated timer is idempotent.
 */
export function dueRevocations(state: CredentialState, now: string): RevokeCredential[] {
  const issued = state.issued;
  if (issued === null || state.revoked !== null || toMillis(now) < toMillis(issued.credential.expiresAt)) return [];
  return [{ type: 'RevokeCredential', requestId: issued.credential.requestId, reason: 'window_ended', causeId: issued.eventId, now }];
}

export const credentialDecider: Decider<CredentialCommand, CredentialEvent, CredentialState> = {
  decide: decideCredential,
  evolve: evolveCredential,
  initialState: initialCredentialState,
};
