// The start of the fixture request's chain as the broker and the executor both receive it: intake's
// acceptance and approval's approval (dummy signatures, see @countersign/contracts/testing).
import { EventTypes, type Envelope, type RequestAcceptedV1, type RequestApprovedV1, type SealedBox } from '@countersign/contracts';
import {
  FIXTURE_DIGEST,
  FIXTURE_REQUESTER,
  FIXTURE_REQUEST_ID,
  fixtureAcceptedData,
  fixtureAction,
  fixtureEnvelope,
} from '@countersign/contracts/testing';

export const FIXTURE_ACCEPTED_ID = '1c7d9b63-4a2f-4e2b-8d68-7b2a1f3e5c22';
export const FIXTURE_APPROVED_ID = '2d8eac74-5b3a-4f3c-9e79-8c3b2a4f6d33';
export const FIXTURE_VOTE_ID = '6bc2e0b8-9f7e-4d7a-9cbd-ca7f6e8dab77';

/** A credential sealed for the executor's key, as the broker publishes it (not openable). */
export const FIXTURE_SEALED: SealedBox = {
  alg: 'X25519-HKDF-SHA256-A256GCM',
  recipientKeyId: 'executor-x25519-1',
  epk: 'ZXBr',
  iv: 'aXY=',
  ciphertext: 'Y2lwaGVy',
  tag: 'dGFn',
};

export function fixtureAccepted(data: Partial<RequestAcceptedV1> = {}, signer = 'service:intake'): Envelope<RequestAcceptedV1> {
  return fixtureEnvelope({
    id: FIXTURE_ACCEPTED_ID,
    type: EventTypes.RequestAccepted,
    signer,
    time: '2026-11-21T09:59:00.100Z',
    data: fixtureAcceptedData(data),
  });
}

/** Alice's one-approver approval of the fixture request; `overrides` give it another id or signer. */
export function fixtureApproved(
  data: Partial<RequestApprovedV1> = {},
  overrides: { id?: string; signer?: string } = {},
): Envelope<RequestApprovedV1> {
  return fixtureEnvelope({
    id: overrides.id ?? FIXTURE_APPROVED_ID,
    type: EventTypes.RequestApproved,
    signer: overrides.signer ?? 'service:approval',
    time: '2026-11-21T09:59:30.000Z',
    data: {
      requestId: FIXTURE_REQUEST_ID,
      digest: FIXTURE_DIGEST,
      requester: FIXTURE_REQUESTER,
      acceptedEventId: FIXTURE_ACCEPTED_ID,
      mode: 'quorum',
      approvers: [{ id: 'approver:alice', voteId: FIXTURE_VOTE_ID, at: '2026-11-21T09:59:29.000Z' }],
      policy: { version: `sha256:${'ab'.repeat(32)}`, label: 'prod-changes', tier: 'one-approver', rules: ['prod.one'] },
      window: fixtureAction.window,
      approvedAt: '2026-11-21T09:59:30.000Z',
      ...data,
    },
  });
}
