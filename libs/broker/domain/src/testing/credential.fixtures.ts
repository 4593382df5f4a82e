// Test-only builders (see @countersign/contracts/testing for why envelopes carry dummy signatures).
import {
  EventTypes,
  deterministicId,
  type Envelope,
  type RequestAcceptedV1,
  type RequestApprovedV1,
  type SealedBox,
} from '@countersign/contracts';
import {
  FIXTURE_DIGEST,
  FIXTURE_REQUESTER,
  FIXTURE_REQUEST_ID,
  FIXTURE_SUBMISSION_ID,
  fixtureAction,
  fixtureEnvelope,
  fixtureReceipt,
  fixtureSubmission,
} from '@countersign/contracts/testing';

export { fixtureReceipt };
import { factsFor } from '@countersign/approval-evidence/testing';
import type { IssueCredential } from '../credential.commands';
import type { CredentialIssued, CredentialRefused } from '../credential.events';

export { DUMMY_SIGNATURE } from '@countersign/contracts/testing';
export const REQUEST_ID = FIXTURE_REQUEST_ID;
export const ACCEPTED_ID = '1c7d9b63-4a2f-4e2b-8d68-7b2a1f3e5c22';
export const APPROVAL_ID = '2d8eac74-5b3a-4f3c-9e79-8c3b2a4f6d33';
export const OTHER_APPROVAL_ID = '3e9fbd85-6c4b-4a4d-8f8a-9d4c3b5a7e44';
export const CREDENTIAL_ID = '4fa0ce96-7d5c-4b5e-9a9b-ae5d4c6b8f55';
export const REQUESTER = FIXTURE_REQUESTER;
export const EXECUTOR = 'service:executor';
export const NOW = '2026-11-21T10:00:00.400Z';

export const action = fixtureAction;
export const DIGEST = FIXTURE_DIGEST;

export const sealed: SealedBox = {
  alg: 'X25519-HKDF-SHA256-A256GCM',
  recipientKeyId: 'executor-x25519-1',
  epk: 'ZXBr',
  iv: 'aXY=',
  ciphertext: 'Y2lwaGVy',
  tag: 'dGFn',
};

export const envelope = fixtureEnvelope;

export function accepted(data: Partial<RequestAcceptedV1> = {}, signer = 'service:intake'): Envelope<RequestAcceptedV1> {
  return envelope({
    id: ACCEPTED_ID,
    type: EventTypes.RequestAccepted,
    signer,
    time: '2026-11-21T09:59:00.100Z',
    data: {
      requestId: REQUEST_ID,
      requester: REQUESTER,
      submissionId: FIXTURE_SUBMISSION_ID,
      action,
      digest: DIGEST,
      reason: 'schema migration 42',
      acceptedAt: '2026-11-21T09:59:00.100Z',
      submission: fixtureSubmission(),
      ...data,
    },
  });
}

export function approval(
  data: Partial<RequestApprovedV1> = {},
  overrides: { id?: string; signer?: string } = {},
): Envelope<RequestApprovedV1> {
  return envelope({
    id: overrides.id ?? APPROVAL_ID,
    type: EventTypes.RequestApproved,
    signer: overrides.signer ?? 'service:approval',
    time: '2026-11-21T09:59:30.000Z',
    data: {
      requestId: REQUEST_ID,
      digest: DIGEST,
      requester: REQUESTER,
      acceptedEventId: ACCEPTED_ID,
      mode: 'quorum',
      approvers: [{ id: 'approver:alice', voteId: '6bc2e0b8-9f7e-4d7a-9cbd-ca7f6e8dab77', at: '2026-11-21T09:59:29.000Z' }],
      policy: { version: `sha256:${'ab'.repeat(32)}`, label: 'prod-changes', tier: 'one-approver', rules: ['prod.one'] },
      window: action.window,
      approvedAt: '2026-11-21T09:59:30.000Z',
      ...data,
    },
  });
}

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
