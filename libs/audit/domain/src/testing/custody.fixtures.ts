// Test-only builders for one request's full chain of envelopes (see @countersign/contracts/testing).
import { EventTypes, type Envelope, type RequestApprovedV1 } from '@countersign/contracts';
import {
  FIXTURE_DIGEST,
  FIXTURE_RENDERING_DIGEST,
  FIXTURE_REQUESTER,
  FIXTURE_REQUEST_ID,
  fixtureAction,
  fixtureEnvelope,
  fixtureReceipt,
} from '@countersign/contracts/testing';

export { DUMMY_SIGNATURE } from '@countersign/contracts/testing';
export const REQUEST_ID = FIXTURE_REQUEST_ID;
export const IDS = {
  submitted: '10000000-0000-4000-8000-000000000001',
  accepted: '10000000-0000-4000-8000-000000000002',
  vote: '10000000-0000-4000-8000-000000000003',
  approved: '10000000-0000-4000-8000-000000000004',
  issued: '10000000-0000-4000-8000-000000000005',
  started: '10000000-0000-4000-8000-000000000006',
  succeeded: '10000000-0000-4000-8000-000000000007',
  credential: '10000000-0000-4000-8000-000000000008',
} as const;
export const REQUESTER = FIXTURE_REQUESTER;
export const APPROVER = 'approver:alice';
export const action = fixtureAction;
export const DIGEST = FIXTURE_DIGEST;
export const RENDERING_DIGEST = FIXTURE_RENDERING_DIGEST;

export function envelope(id: string, type: string, signer: string, time: string, data: Record<string, unknown>): Envelope {
  return fixtureEnvelope({ id, type, signer, time, data });
}

const at = (seconds: number) => new Date(Date.parse('2026-11-21T09:59:00.000Z') + seconds * 1000).toISOString();
const { submitted, accepted, vote, approved, issued, started, succeeded, credential } = IDS;

type Link = 'submitted' | 'accepted' | 'vote' | 'approved' | 'receipt' | 'issued' | 'started' | 'succeeded';

/** A request that went through every step, by four different identities, in order, audit's receipt before the credential. */
export function fullChain(): Record<Link, Envelope> {
  const { submitted, accepted, vote, approved, ...rest } = unreceipted();
  return { submitted, accepted, vote, approved, receipt: receiptFor(approved), ...rest };
}

/** Audit's receipt for an approval, signed just after it. */
export function receiptFor(approved: Envelope): Envelope {
  return { ...fixtureReceipt(approved as Envelope<RequestApprovedV1>, { recordedAt: at(21) }), time: at(21) };
}

function unreceipted(): Record<Exclude<Link, 'receipt'>, Envelope> {
  const policy = { version: `sha256:${'ab'.repeat(32)}`, label: 'prod-changes', tier: 'one-approver', rules: ['prod.one'] };
  const { requestId: _omit, window: _window, ...request } = action;
  const signedVote = envelope(vote, EventTypes.VoteCast, APPROVER, at(20), {
    requestId: REQUEST_ID,
    digest: DIGEST,
    renderingDigest: RENDERING_DIGEST,
    decision: 'approve',
  });
  return {
    submitted: envelope(submitted, EventTypes.RequestSubmitted, REQUESTER, at(0), {
      requestId: REQUEST_ID,
      action: request,
      reason: 'migration 42',
    }),
    accepted: envelope(accepted, EventTypes.RequestAccepted, 'service:intake', at(1), {
      requestId: REQUEST_ID,
      requester: REQUESTER,
      submissionId: submitted,
      action,
      digest: DIGEST,
      reason: 'migration 42',
      acceptedAt: at(1),
    }),
    vote: signedVote,
    approved: envelope(approved, EventTypes.RequestApproved, 'service:approval', at(21), {
      requestId: REQUEST_ID,
      digest: DIGEST,
      requester: REQUESTER,
      acceptedEventId: accepted,
      mode: 'quorum',
      approvers: [{ id: APPROVER, voteId: vote, at: at(20) }],
      policy,
      window: action.window,
      approvedAt: at(21),
      evidence: [signedVote],
    }),
    issued: envelope(issued, EventTypes.CredentialIssued, 'service:broker', at(22), {
      requestId: REQUEST_ID,
      digest: DIGEST,
      credentialId: credential,
      executor: 'service:executor',
      approvalEventId: approved,
      notBefore: at(22),
      expiresAt: at(922),
      sealed: { alg: 'X25519-HKDF-SHA256-A256GCM', recipientKeyId: 'k', epk: 'e', iv: 'i', ciphertext: 'c', tag: 't' },
      issuedAt: at(22),
    }),
    started: envelope(started, EventTypes.ExecutionStarted, 'service:executor', at(23), {
      requestId: REQUEST_ID,
      digest: DIGEST,
      credentialId: credential,
      startedAt: at(23),
    }),
    succeeded: envelope(succeeded, EventTypes.ExecutionSucceeded, 'service:executor', at(24), {
      requestId: REQUEST_ID,
      digest: DIGEST,
      credentialId: credential,
      result: { status: 204 },
      finishedAt: at(24),
    }),
  };
}

export const CHANNEL = 'channel:slack';

/**
 * The same request approved by a click in Slack: the vote is a `vote.relayed` signed by the
 * channel for the approver, and the approval credits the approver `via: slack`.
 */
export function relayedChain(): ReturnType<typeof fullChain> {
  const chain = fullChain();
  const relayed = envelope(vote, EventTypes.VoteRelayed, CHANNEL, chain.vote.time, {
    requestId: REQUEST_ID,
    digest: DIGEST,
    renderingDigest: RENDERING_DIGEST,
    decision: 'approve',
    approver: APPROVER,
    slack: { teamId: 'T0COUNTSGN', userId: 'U0ALICE001', actionTs: '1732190000.123456' },
  });
  const data = chain.approved.data as { approvers: object[] };
  const approvers = data.approvers.map((approver) => ({ ...approver, via: 'slack' }));
  const approved = { ...chain.approved, data: { ...data, approvers, evidence: [relayed] } };
  return { ...chain, vote: relayed, approved, receipt: receiptFor(approved) };
}

/** Replaces fields of one envelope's data (or its envelope attributes) in a copy of the full chain. */
export function withData(
  chain: Record<string, Envelope>,
  link: string,
  data: Record<string, unknown>,
  attributes: Partial<Envelope> = {},
): Envelope[] {
  const changed = Object.fromEntries(
    Object.entries(chain).map(([name, event]) => [
      name,
      name === link ? { ...event, ...attributes, data: { ...(event.data as Record<string, unknown>), ...data } } : event,
    ]),
  );
  return Object.values(reReceipted(changed, link));
}

/** Audit would have signed its receipt for the approval as changed: only a receipt test breaks the receipt. */
function reReceipted(chain: Record<string, Envelope>, changed = 'approved'): Record<string, Envelope> {
  return changed === 'approved' && chain['receipt'] && chain['approved'] ? { ...chain, receipt: receiptFor(chain['approved']) } : chain;
}
