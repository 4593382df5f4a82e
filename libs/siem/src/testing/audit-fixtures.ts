import { GENESIS, nextRecord } from '@countersign/audit-chain';
import { EVENT_TYPES, type AuditRecordV1, type EventType } from '@countersign/contracts';
import {
  FIXTURE_DIGEST,
  FIXTURE_RENDERING_DIGEST,
  FIXTURE_REQUEST_ID,
  FIXTURE_SUBMISSION_ID,
  fixtureAction,
  fixtureEnvelope,
} from '@countersign/contracts/testing';

const T = '2026-11-21T10:00:00.000Z';
const ID = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const CREDENTIAL = '6f1d2c3b-4a59-4e6f-8a7b-9c0d1e2f3a4b';
const policy = { version: `sha256:${'a'.repeat(64)}`, label: 'default', tier: 'production-change', rules: ['tier:production-change'] };
const request = { requestId: FIXTURE_REQUEST_ID, digest: FIXTURE_DIGEST };
const action = { kind: 'http.request', target: 'demo-target', parameters: { method: 'POST', path: '/migrate' } };

/** Valid data (checked against the type's schema below) for every event type audit can chain. */
/** Checkpoints are signed next to the records, never chained as one; a run attestation is chained inside its submission. */
const DATA: Record<
  Exclude<EventType, 'countersign.audit.record.v1' | 'countersign.audit.checkpoint.v1' | 'countersign.run.attested.v1'>,
  [string, Record<string, unknown>]
> = {
  'countersign.request.submitted.v1': ['requester:deploy-bot', { requestId: FIXTURE_REQUEST_ID, action, reason: 'migrate' }],
  'countersign.vote.cast.v1': ['approver:alice', { ...request, renderingDigest: FIXTURE_RENDERING_DIGEST, decision: 'approve' }],
  'countersign.vote.relayed.v1': [
    'channel:slack',
    {
      ...request,
      renderingDigest: FIXTURE_RENDERING_DIGEST,
      decision: 'deny',
      approver: 'approver:bob',
      slack: { teamId: 'T0123ABCD', userId: 'U0123ABCD', actionTs: '1732190000.123456' },
    },
  ],
  'countersign.request.accepted.v1': [
    'service:intake',
    {
      ...request,
      requester: 'requester:deploy-bot',
      submissionId: FIXTURE_SUBMISSION_ID,
      action: fixtureAction,
      reason: 'migrate',
      acceptedAt: T,
    },
  ],
  'countersign.request.rejected.v1': [
    'service:intake',
    {
      requester: 'requester:deploy-bot',
      submissionId: ID(90),
      errors: [{ path: 'action.target', code: 'unknown_target', message: 'no such target' }],
      rejectedAt: T,
    },
  ],
  'countersign.requester.notified.v1': [
    'service:intake',
    { requestId: FIXTURE_REQUEST_ID, requester: 'requester:deploy-bot', outcome: 'accepted', causationEventId: ID(4), notifiedAt: T },
  ],
  'countersign.approval.requested.v1': [
    'service:approval',
    {
      ...request,
      requester: 'requester:deploy-bot',
      action: fixtureAction,
      renderingDigest: FIXTURE_RENDERING_DIGEST,
      policy,
      quorum: 2,
      eligibleGroups: ['sre'],
      expiresAt: T,
    },
  ],
  'countersign.vote.recorded.v1': [
    'service:approval',
    { requestId: FIXTURE_REQUEST_ID, voteId: ID(2), voter: 'approver:alice', via: 'signed', decision: 'approve', approvals: 1, quorum: 2 },
  ],
  'countersign.vote.rejected.v1': [
    'service:approval',
    {
      requestId: FIXTURE_REQUEST_ID,
      voteId: ID(3),
      voter: 'approver:bob',
      via: 'slack',
      code: 'digest_mismatch',
      message: 'another digest',
    },
  ],
  'countersign.request.approved.v1': [
    'service:approval',
    {
      ...request,
      requester: 'requester:deploy-bot',
      acceptedEventId: ID(4),
      mode: 'quorum',
      approvers: [{ id: 'approver:alice', voteId: ID(2), via: 'signed', at: T }],
      policy,
      window: fixtureAction.window,
      approvedAt: T,
    },
  ],
  'countersign.request.denied.v1': [
    'service:approval',
    { ...request, requester: 'requester:deploy-bot', deniedBy: 'approver:bob', policy, deniedAt: T },
  ],
  'countersign.request.expired.v1': [
    'service:approval',
    { ...request, requester: 'requester:deploy-bot', policy, approvals: 1, quorum: 2, expiredAt: T },
  ],
  'countersign.approval.escalated.v1': [
    'service:approval',
    {
      ...request,
      requester: 'requester:deploy-bot',
      policy,
      quorum: 2,
      approvals: 0,
      addedGroups: ['leads'],
      eligibleGroups: ['sre', 'leads'],
      expiresAt: T,
      escalatedAt: T,
    },
  ],
  'countersign.review.required.v1': [
    'service:approval',
    {
      ...request,
      requester: 'requester:deploy-bot',
      policy,
      approvers: ['approver:alice'],
      reviewGroups: ['security'],
      dueAt: T,
      requiredAt: T,
    },
  ],
  'countersign.review.escalated.v1': [
    'service:approval',
    { ...request, policy, addedGroups: ['leads'], reviewGroups: ['security', 'leads'], dueAt: T, escalatedAt: T },
  ],
  'countersign.review.overdue.v1': ['service:approval', { ...request, policy, reviewGroups: ['security'], dueAt: T, overdueAt: T }],
  'countersign.review.completed.v1': [
    'service:approval',
    { ...request, policy, reviewer: 'approver:carol', voteId: ID(5), verdict: 'upheld', late: false, completedAt: T },
  ],
  'countersign.credential.issued.v1': [
    'service:broker',
    {
      ...request,
      credentialId: CREDENTIAL,
      executor: 'service:executor',
      approvalEventId: ID(6),
      notBefore: T,
      expiresAt: '2026-11-21T10:15:00.000Z',
      sealed: {
        alg: 'X25519-HKDF-SHA256-A256GCM',
        recipientKeyId: 'service:executor#x1',
        epk: 'ZXBr',
        iv: 'aXY',
        ciphertext: 'Y3Q',
        tag: 'dGFn',
      },
      issuedAt: T,
    },
  ],
  'countersign.credential.refused.v1': [
    'service:broker',
    { requestId: FIXTURE_REQUEST_ID, approvalEventId: ID(6), code: 'quorum_unproven', message: 'one vote', refusedAt: T },
  ],
  'countersign.credential.revoked.v1': [
    'service:broker',
    { requestId: FIXTURE_REQUEST_ID, credentialId: CREDENTIAL, reason: 'execution_completed', revokedAt: T },
  ],
  'countersign.grant.revoked.v1': [
    'service:broker',
    {
      requestId: FIXTURE_REQUEST_ID,
      credentialId: CREDENTIAL,
      target: 'demo-postgres',
      grant: { kind: 'postgres.sql', handle: `cs_${CREDENTIAL.replaceAll('-', '_')}` },
      reason: 'execution_completed',
      revokedAt: T,
    },
  ],
  'countersign.execution.started.v1': ['service:executor', { ...request, credentialId: CREDENTIAL, startedAt: T }],
  'countersign.execution.succeeded.v1': [
    'service:executor',
    { ...request, credentialId: CREDENTIAL, result: { status: 200 }, finishedAt: T },
  ],
  'countersign.execution.failed.v1': [
    'service:executor',
    { ...request, credentialId: CREDENTIAL, error: { code: 'target_error', message: '500 from target' }, finishedAt: T },
  ],
  'countersign.execution.indoubt.v1': [
    'service:executor',
    { ...request, credentialId: CREDENTIAL, reason: 'claim without result', detectedAt: T },
  ],
  'countersign.execution.refused.v1': [
    'service:executor',
    { requestId: FIXTURE_REQUEST_ID, code: 'window_closed', message: 'late', refusedAt: T },
  ],
  'countersign.audit.violation.v1': [
    'service:audit',
    { requestId: FIXTURE_REQUEST_ID, violations: [{ code: 'digest_mismatch', message: 'executed another digest' }], detectedAt: T },
  ],
  'countersign.audit.finding.v1': [
    'service:audit',
    {
      kind: 'vote_refused',
      severity: 'high',
      code: 'self_approval',
      message: 'the requester voted on its own request',
      eventId: ID(4),
      requestId: FIXTURE_REQUEST_ID,
      signer: 'approver:dave',
      detectedAt: T,
    },
  ],
  'countersign.custody.verified.v1': [
    'service:audit',
    {
      requestId: FIXTURE_REQUEST_ID,
      custody: [
        { role: 'requester', identity: 'requester:deploy-bot', eventId: ID(1) },
        { role: 'approver', identity: 'approver:alice', eventId: ID(2) },
        { role: 'broker', identity: 'service:broker', eventId: ID(7) },
        { role: 'executor', identity: 'service:executor', eventId: ID(8) },
      ],
      verifiedAt: T,
    },
  ],
  'countersign.audit.receipt.v1': [
    'service:audit',
    {
      requestId: FIXTURE_REQUEST_ID,
      approvedEventId: ID(6),
      digest: FIXTURE_DIGEST,
      evidenceHash: 'b'.repeat(64),
      sequence: 10,
      recordHash: 'c'.repeat(64),
      recordedAt: T,
    },
  ],
  'countersign.message.deadlettered.v1': [
    'service:intake',
    {
      consumer: 'intake-submissions',
      stream: 'CS_SUBMISSIONS',
      streamSequence: 7,
      subject: 'cs.submit.deploy-bot',
      deliveries: 1,
      code: 'replayed_event',
      message: 'seen before',
      payloadSha256: 'd'.repeat(64),
      payloadBase64: 'e30=',
      deadLetteredAt: T,
    },
  ],
};

export const FIXTURE_EVENT_TYPES = Object.keys(DATA) as Array<keyof typeof DATA>;

/** Signed-looking envelopes (dummy signatures) of every type, each checked against its schema. */
export function fixtureEvents(): Array<Record<string, unknown>> {
  return FIXTURE_EVENT_TYPES.map((type, index) => {
    const [signer, data] = DATA[type];
    const parsed = EVENT_TYPES[type].schema.parse(data) as Record<string, unknown>;
    return fixtureEnvelope({ id: ID(100 + index), type, signer, time: T, data: parsed });
  });
}

/** A valid hash chain holding one record of every event type, in order. */
export function fixtureAuditRecords(count?: number): AuditRecordV1[] {
  const events = fixtureEvents();
  const records: AuditRecordV1[] = [];
  let head = GENESIS;
  for (let index = 0; index < (count ?? events.length); index += 1) {
    const event = events[index % events.length]!;
    const data = event.data as { requestId?: string };
    const record = nextRecord(head, { ...event, id: ID(1000 + index) }, T, data.requestId);
    records.push(record);
    head = { sequence: record.sequence, hash: record.hash };
  }
  return records;
}
