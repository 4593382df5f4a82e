// Test-only builders shared by the domain specs. Envelopes are plain objects: deciders never
// verify signatures (the shell's trust store did that before a decider sees anything), so a dummy
// 86-character base64url string keeps the envelope shape honest without any keys.
import { actionDigest, type CanonicalAction } from '../action';
import { actionRenderingDigest } from '../action-rendering';
import { approvalEvidenceHash } from '../audit-receipt';
import type { Envelope } from '../envelope';
import type { RequestApprovedV1 } from '../events/approval';
import type { AuditReceiptV1 } from '../events/audit';
import type { RequestAcceptedV1 } from '../events/intake';
import type { RequestSubmittedV1 } from '../events/requester';
import { EventTypes } from '../event-types';
import { deterministicId } from '../ids';

export const DUMMY_SIGNATURE = 'A'.repeat(86);
export const FIXTURE_REQUEST_ID = '0b6c8a52-3f1e-4d1a-9c57-6a1f0e2d4b11';
export const FIXTURE_REQUESTER = 'requester:deploy-bot';

/** A staging HTTP action with a one-hour window, and its digest. */
export const fixtureAction: CanonicalAction = {
  kind: 'http.request',
  target: 'demo-target',
  environment: 'staging',
  dataSensitivity: 'confidential',
  ownerTeam: 'platform',
  targetAddress: 'http://127.0.0.1:4380',
  parameters: { method: 'POST', path: '/migrate' },
  window: { notBefore: '2026-11-21T09:59:00.000Z', notAfter: '2026-11-21T11:00:00.000Z' },
  requestId: FIXTURE_REQUEST_ID,
};
export const FIXTURE_DIGEST = actionDigest(fixtureAction);
export const FIXTURE_RENDERING_DIGEST = actionRenderingDigest(fixtureAction);
export const FIXTURE_SUBMISSION_ID = '5ab1dfa7-8e6d-4c6f-8bac-bf6e5d7c9a66';

export function fixtureEnvelope<T>(fields: { id: string; type: string; signer: string; time: string; data: T }): Envelope<T> {
  return {
    specversion: '1.0',
    source: `countersign/${fields.signer}`,
    subject: FIXTURE_REQUEST_ID,
    datacontenttype: 'application/json',
    keyid: `${fields.signer}#1`,
    signature: DUMMY_SIGNATURE,
    correlationid: FIXTURE_REQUEST_ID,
    ...fields,
  };
}

/**
 * Audit's receipt for an approval, as audit would sign it after chaining it at `sequence`; `data`
 * replaces fields, e.g. to name another approval or digest.
 */
export function fixtureReceipt(
  approved: Envelope<RequestApprovedV1>,
  data: Partial<AuditReceiptV1> = {},
  signer = 'service:audit',
): Envelope<AuditReceiptV1> {
  return fixtureEnvelope({
    id: deterministicId(approved.id, 'audit.receipt'),
    type: EventTypes.AuditReceipt,
    signer,
    time: approved.time,
    data: {
      requestId: approved.data.requestId,
      approvedEventId: approved.id,
      digest: approved.data.digest,
      evidenceHash: approvalEvidenceHash(approved),
      sequence: 3,
      recordHash: 'c'.repeat(64),
      recordedAt: approved.time,
      ...data,
    },
  });
}

/**
 * The requester's own submission behind the fixture request: what it stated of fixtureAction (the
 * registry facts and window left to intake). `data` replaces fields, `signer` the requester.
 */
export function fixtureSubmission(data: Partial<RequestSubmittedV1> = {}, signer = FIXTURE_REQUESTER): Envelope<RequestSubmittedV1> {
  const { kind, target, parameters } = fixtureAction;
  return fixtureEnvelope({
    id: FIXTURE_SUBMISSION_ID,
    type: EventTypes.RequestSubmitted,
    signer,
    time: '2026-11-21T09:58:59.000Z',
    data: { requestId: FIXTURE_REQUEST_ID, action: { kind, target, parameters }, reason: 'schema migration 42', ...data },
  });
}

/** What intake's acceptance of the fixture request says (its envelope: approval-evidence/testing `fixtureAccepted`). */
export function fixtureAcceptedData(data: Partial<RequestAcceptedV1> = {}): RequestAcceptedV1 {
  return {
    requestId: FIXTURE_REQUEST_ID,
    requester: FIXTURE_REQUESTER,
    submissionId: FIXTURE_SUBMISSION_ID,
    action: fixtureAction,
    digest: FIXTURE_DIGEST,
    reason: 'schema migration 42',
    acceptedAt: '2026-11-21T09:59:00.100Z',
    submission: fixtureSubmission(),
    ...data,
  };
}
