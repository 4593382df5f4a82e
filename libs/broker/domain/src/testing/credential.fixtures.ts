// Test-only builders (see @countersign/contracts/testing for why envelopes carry dummy signatures).
import { EventTypes, deterministicId } from '@countersign/contracts';
import {
  FIXTURE_DIGEST,
  FIXTURE_REQUESTER,
  FIXTURE_REQUEST_ID,
  fixtureAction,
  fixtureEnvelope,
  fixtureReceipt,
} from '@countersign/contracts/testing';

import {
  FIXTURE_ACCEPTED_ID,
  FIXTURE_APPROVED_ID,
  FIXTURE_SEALED,
  factsFor,
  fixtureAccepted,
  fixtureApproved,
} from '@countersign/approval-evidence/testing';
import type { IssueCredential } from '../credential.commands';
import type { CredentialIssued, CredentialRefused } from '../credential.events';

export { DUMMY_SIGNATURE } from '@countersign/contracts/testing';
export { fixtureReceipt };
export const REQUEST_ID = FIXTURE_REQUEST_ID;
export const ACCEPTED_ID = FIXTURE_ACCEPTED_ID;
export const APPROVAL_ID = FIXTURE_APPROVED_ID;
export const OTHER_APPROVAL_ID = '3e9fbd85-6c4b-4a4d-8f8a-9d4c3b5a7e44';
export const CREDENTIAL_ID = '4fa0ce96-7d5c-4b5e-9a9b-ae5d4c6b8f55';
export const REQUESTER = FIXTURE_REQUESTER;
export const EXECUTOR = 'service:executor';
export const NOW = '2026-11-21T10:00:00.400Z';

export const action = fixtureAction;
export const DIGEST = FIXTURE_DIGEST;

export const sealed = FIXTURE_SEALED;
export const envelope = fixtureEnvelope;
export const accepted = fixtureAccepted;
export const approval = fixtureApproved;

export function issueCommand(overrides: Partial<IssueCredential> = {}): IssueCredential {
  const approved = overrides.approval ?? approval();
  return {
    type: 'IssueCredential',
    approval: approved,
    receipts: [fixtureReceipt(approved)],
    facts: factsFor(approved.data),
    now: NOW,
    credentialId: CREDENTIAL_ID,
    executor: EXECUTOR,
    sealed,
    notBefore: '2026-11-21T10:00:00.000Z',
    expiresAt: '2026-11-21T10:15:00.000Z',
    ...overrides,
  };
}

/** What the decider appends when it issues for the fixture approval (the shell's mint, `issueCommand`'s bounds). */
export const issued: CredentialIssued = {
  type: EventTypes.CredentialIssued,
  id: deterministicId(APPROVAL_ID, 'credential.issued'),
  data: {
    requestId: REQUEST_ID,
    digest: DIGEST,
    credentialId: CREDENTIAL_ID,
    executor: EXECUTOR,
    approvalEventId: APPROVAL_ID,
    notBefore: '2026-11-21T10:00:00.000Z',
    expiresAt: '2026-11-21T10:15:00.000Z',
    sealed,
    issuedAt: NOW,
  },
};

export function refusedEvent(approvalId: string, code: CredentialRefused['data']['code'], message: string, at = NOW): CredentialRefused {
  return {
    type: EventTypes.CredentialRefused,
    id: deterministicId(approvalId, 'credential.refused'),
    data: { requestId: REQUEST_ID, approvalEventId: approvalId, code, message, refusedAt: at },
  };
}
