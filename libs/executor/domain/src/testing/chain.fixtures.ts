// Test-only builders for a complete, valid chain (see @countersign/contracts/testing for why
// envelopes carry dummy signatures).
import { EventTypes, type CredentialIssuedV1, type Envelope, type RequestApprovedV1 } from '@countersign/contracts';
import { FIXTURE_DIGEST, FIXTURE_REQUESTER, FIXTURE_REQUEST_ID, fixtureAction, fixtureEnvelope } from '@countersign/contracts/testing';
import {
  FIXTURE_ACCEPTED_ID,
  FIXTURE_APPROVED_ID,
  FIXTURE_SEALED,
  factsFor,
  fixtureAccepted,
  fixtureApproved,
} from '@countersign/approval-evidence/testing';
import type { ChainCheckInput, CredentialClaims } from '../chain.types';
import { initialEvidenceState, type EvidenceState } from '../evidence';

export { DUMMY_SIGNATURE } from '@countersign/contracts/testing';
export const REQUEST_ID = FIXTURE_REQUEST_ID;
export const ACCEPTED_ID = FIXTURE_ACCEPTED_ID;
export const APPROVED_ID = FIXTURE_APPROVED_ID;
export const ISSUED_ID = '3e9fbd85-6c4b-4a4d-8f8a-9d4c3b5a7e44';
export const CREDENTIAL_ID = '4fa0ce96-7d5c-4b5e-9a9b-ae5d4c6b8f55';
export const CLAIM_ID = '5ab1dfa7-8e6d-4c6f-8bac-bf6e5d7c9a66';
export const REQUESTER = FIXTURE_REQUESTER;
export const EXECUTOR = 'service:executor';
export const NOW = '2026-11-21T10:00:05.000Z';

export const action = fixtureAction;
export const DIGEST = FIXTURE_DIGEST;

function envelope<T>(id: string, type: string, signer: string, time: string, data: T): Envelope<T> {
  return fixtureEnvelope({ id, type, signer, time, data });
}

export const accepted = fixtureAccepted;
export const approved = (data: Partial<RequestApprovedV1> = {}, signer = 'service:approval') => fixtureApproved(data, { signer });

export function issued(data: Partial<CredentialIssuedV1> = {}, signer = 'service:broker'): Envelope<CredentialIssuedV1> {
  return envelope(ISSUED_ID, EventTypes.CredentialIssued, signer, '2026-11-21T10:00:00.400Z', {
    requestId: REQUEST_ID,
    digest: DIGEST,
    credentialId: CREDENTIAL_ID,
    executor: EXECUTOR,
    approvalEventId: APPROVED_ID,
    notBefore: '2026-11-21T10:00:00.000Z',
    expiresAt: '2026-11-21T10:15:00.000Z',
    sealed: FIXTURE_SEALED,
    issuedAt: '2026-11-21T10:00:00.400Z',
    ...data,
  });
}

export function evidence(
  links: Partial<Pick<EvidenceState, 'accepted' | 'approved' | 'issued' | 'conflicting' | 'receipts'>> = {},
): EvidenceState {
  return { ...initialEvidenceState(), accepted: accepted(), approved: approved(), issued: issued(), ...links };
}

export const claims = (overrides: Partial<CredentialClaims> = {}): CredentialClaims => ({
  iss: 'service:broker',
  sub: EXECUTOR,
  aud: EXECUTOR,
  jti: CREDENTIAL_ID,
  nbf: Date.parse('2026-11-21T10:00:00.000Z') / 1000,
  exp: Date.parse('2026-11-21T10:15:00.000Z') / 1000,
  cs_req: REQUEST_ID,
  cs_dig: DIGEST,
  cs_tgt: 'demo-target',
  ...overrides,
});

export function input(overrides: Partial<ChainCheckInput> = {}): ChainCheckInput {
  return {
    now: NOW,
    executorId: EXECUTOR,
    credential: { opened: true, claims: claims() },
    approvalFacts: factsFor(approved().data),
    ...overrides,
  };
}
