import { randomUUID } from 'node:crypto';
import { merkleRoot, nextRecord, recordLeafHash, GENESIS, type ChainHead } from '@countersign/audit-chain';
import {
  actionDigest,
  actionRenderingDigest,
  approvalEvidenceHash,
  EventTypes,
  type AuditCheckpointV1,
  type AuditRecordV1,
  type CanonicalAction,
  type Envelope,
  type RequestApprovedV1,
} from '@countersign/contracts';
import { EnvelopeSigner, generateKeyPair, TrustStore, type StoredKeyPair } from '@countersign/identity';

/**
 * Test fixtures: one request's life as real signed envelopes (submitted → executed), the audit
 * records chaining them, and in-memory identities for unit tests. Shared by the unit and
 * integration specs so both check the same story.
 */
export type SignerFor = (identity: string) => EnvelopeSigner;

export const STORY_IDENTITIES = [
  'requester:deploy-bot',
  'approver:alice',
  'service:intake',
  'service:approval',
  'service:broker',
  'service:executor',
  'service:audit',
] as const;

/** Fresh keys for the given identities and a trust store that knows them. */
export function memoryIdentities(ids: readonly string[] = STORY_IDENTITIES): { trust: TrustStore; signerFor: SignerFor } {
  const keys = new Map<string, StoredKeyPair>(ids.map((id) => [id, generateKeyPair('ed25519', id)]));
  const trust = new TrustStore({
    version: 1,
    environment: 'test',
    identities: [...keys].map(([id, key]) => ({
      id,
      signingKeys: [{ keyId: key.keyId, publicKey: key.publicKey, status: 'active' }],
      encryptionKeys: [],
    })),
  });
  const signerFor: SignerFor = (id) => {
    const key = keys.get(id);
    if (!key) throw new Error(`no test key for ${id}`);
    return new EnvelopeSigner(id, key);
  };
  return { trust, signerFor };
}

const POLICY = { version: `sha256:${'ab'.repeat(32)}`, label: 'standard', tier: 'one-approver', rules: ['one-human-approver'] };
const SEALED = {
  alg: 'X25519-HKDF-SHA256-A256GCM',
  recipientKeyId: 'service:executor#0',
  epk: 'ZXBr',
  iv: 'aXY',
  ciphertext: 'c2VhbGVk',
  tag: 'dGFn',
} as const;

export interface Story {
  requestId: string;
  digest: string;
  renderingDigest: string;
  envelopes: Envelope[];
}

/**
 * A complete, valid chain of custody for one executed request, at a fixed time. `after`: the
 * envelopes chained before this story's in the same log, so audit's receipt names the right record.
 */
export function executedRequestStory(
  signerFor: SignerFor,
  options: { requestId?: string; approver?: string; after?: readonly Envelope[] } = {},
): Story {
  const requestId = options.requestId ?? randomUUID();
  const approver = options.approver ?? 'approver:alice';
  const at = (minute: number) => new Date(Date.UTC(2026, 10, 21, 10, minute)).toISOString();
  const sign = (identity: string, type: string, minute: number, data: unknown) =>
    signerFor(identity).sign({ id: randomUUID(), type, subject: requestId, time: at(minute), data, correlationid: requestId });
  const requester = 'requester:deploy-bot';
  const action = { kind: 'http.request', target: 'billing-api', environment: 'staging', parameters: { path: '/v1/deploy' } };
  const window = { notBefore: at(0), notAfter: at(59) };
  const facts = { dataSensitivity: 'internal', ownerTeam: 'billing', targetAddress: 'http://billing-api.internal:8080' } as const;
  const canonical: CanonicalAction = { ...action, ...facts, window, requestId };
  const digest = actionDigest(canonical);
  const renderingDigest = actionRenderingDigest(canonical);
  const submitted = sign(requester, EventTypes.RequestSubmitted, 0, { requestId, action, reason: 'release 4.2' });
  const accepted = sign('service:intake', EventTypes.RequestAccepted, 1, {
    requestId,
    requester,
    submissionId: submitted.id,
    action: canonical,
    digest,
    reason: 'release 4.2',
    acceptedAt: at(1),
  });
  const vote = sign(approver, EventTypes.VoteCast, 2, { requestId, digest, renderingDigest, decision: 'approve' });
  const approved = sign('service:approval', EventTypes.RequestApproved, 3, {
    requestId,
    digest,
    requester,
    acceptedEventId: accepted.id,
    mode: 'quorum',
    policy: POLICY,
    window,
    approvedAt: at(3),
    approvers: [{ id: approver, voteId: vote.id, at: at(2) }],
    evidence: [vote],
  });
  const receipt = auditReceiptFor(signerFor, [...(options.after ?? []), submitted, accepted, vote, approved]);
  const credentialId = randomUUID();
  const issued = sign('service:broker', EventTypes.CredentialIssued, 4, {
    requestId,
    digest,
    credentialId,
    executor: 'service:executor',
    approvalEventId: approved.id,
    notBefore: at(4),
    expiresAt: at(18),
    sealed: SEALED,
    issuedAt: at(4),
  });
  const started = sign('service:executor', EventTypes.ExecutionStarted, 5, { requestId, digest, credentialId, startedAt: at(5) });
  const succeeded = sign('service:executor', EventTypes.ExecutionSucceeded, 6, {
    requestId,
    digest,
    credentialId,
    result: { status: 200 },
    finishedAt: at(6),
  });
  return { requestId, digest, renderingDigest, envelopes: [submitted, accepted, vote, approved, receipt, issued, started, succeeded] };
}

/** Audit's receipt for the last of `chained` (the approval), naming its record when chained from the start. */
export function auditReceiptFor(signerFor: SignerFor, chained: readonly Envelope[]): Envelope {
  const approved = chained.at(-1) as Envelope<RequestApprovedV1>;
  const record = chainRecords(chained).at(-1)!;
  const { requestId } = approved.data;
  return signerFor('service:audit').sign({
    id: randomUUID(),
    type: EventTypes.AuditReceipt,
    subject: requestId,
    time: approved.time,
    correlationid: requestId,
    data: {
      requestId,
      approvedEventId: approved.id,
      digest: approved.data.digest,
      evidenceHash: approvalEvidenceHash(approved),
      sequence: record.sequence,
      recordHash: record.hash,
      recordedAt: record.recordedAt,
    },
  });
}

/** Audit records chaining the envelopes, continuing from `head`. */
export function chainRecords(envelopes: readonly Envelope[], head: ChainHead = GENESIS): AuditRecordV1[] {
  const records: AuditRecordV1[] = [];
  for (const envelope of envelopes) {
    const record = nextRecord(head, envelope, envelope.time, envelope.subject);
    records.push(record);
    head = { sequence: record.sequence, hash: record.hash };
  }
  return records;
}

/** A record as the audit service relays it: inside an envelope it signs. */
export function wrapRecord(auditSigner: EnvelopeSigner, record: AuditRecordV1): Envelope<AuditRecordV1> {
  return auditSigner.sign({
    id: randomUUID(),
    type: EventTypes.AuditRecord,
    subject: record.requestId ?? 'audit-log',
    time: record.recordedAt,
    data: record,
  });
}

export function toJsonLines(values: readonly unknown[]): string {
  return values.map((value) => `${JSON.stringify(value)}\n`).join('');
}

/** Audit's signed checkpoint over the first `treeSize` records, as the audit service publishes it. */
export function signCheckpoint(
  auditSigner: EnvelopeSigner,
  records: readonly AuditRecordV1[],
  treeSize = records.length,
): Envelope<AuditCheckpointV1> {
  const covered = records.slice(0, treeSize);
  return auditSigner.sign({
    id: randomUUID(),
    type: EventTypes.AuditCheckpoint,
    subject: 'audit-log',
    time: covered.at(-1)!.recordedAt,
    data: {
      origin: 'countersign.audit',
      treeSize,
      rootHash: merkleRoot(covered.map(recordLeafHash)),
      lastRecordHash: covered.at(-1)!.hash,
      checkpointAt: covered.at(-1)!.recordedAt,
    },
  });
}
