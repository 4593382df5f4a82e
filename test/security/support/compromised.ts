import { generateKeyPairSync, randomUUID } from 'node:crypto';
import {
  actionDigest,
  EventTypes,
  subjectFor,
  type CanonicalAction,
  type CredentialIssuedV1,
  type Envelope,
  type RequestAcceptedV1,
  type RequestApprovedV1,
  type RequestSubmittedV1,
  type VoteCastV1,
} from '@countersign/contracts';
import { mintExecutionToken } from '@countersign/credentials';
import { loadTrustStore, seal } from '@countersign/identity';
import type { Stack } from '@countersign/stack';
import { startScenario, type Scenario } from '@countersign/e2e';
import { AuditEvidence, inject } from './evidence';
import { bytesOf, signWith } from './forgery';
import { Connections, signerOf, signingKeyOf } from './parties';

type Approver = RequestApprovedV1['approvers'][number];

/**
 * Services taken over by an attacker: their own signing keys and their own NATS users, so both the
 * bus and the signature layer let what they publish through. Only the re-checks can stop it.
 */
export class CompromisedServices {
  private readonly connections: Connections;

  constructor(private readonly stack: Pick<Stack, 'home' | 'natsUrl'>) {
    this.connections = new Connections(stack);
  }

  /**
   * A `request.accepted` of `action` (its digest computed over it, so self-consistent), signed by
   * intake's key, published as intake's NATS user; carrying `submission` when given, else none.
   */
  async accept(
    action: CanonicalAction,
    requester: string,
    reason: string,
    submission?: Envelope<RequestSubmittedV1>,
  ): Promise<Envelope<RequestAcceptedV1>> {
    const now = new Date().toISOString();
    const carried = submission === undefined ? { submissionId: randomUUID() } : { submissionId: submission.id, submission };
    const accepted = signerOf(this.stack, 'service:intake').sign<RequestAcceptedV1>({
      id: randomUUID(),
      type: EventTypes.RequestAccepted,
      subject: action.requestId,
      time: now,
      correlationid: action.requestId,
      data: {
        ...{ requestId: action.requestId, requester, ...carried, action },
        ...{ digest: actionDigest(action), reason, acceptedAt: now },
      },
    });
    await inject(await this.connections.as('intake'), subjectFor(accepted), bytesOf(accepted), 'intake alone');
    return accepted;
  }

  /**
   * A submission signed with `requester`'s own key, as intake would hold one it received: the
   * stolen or replayed evidence a compromised intake could attach. Never published.
   */
  submissionBy(requester: string, requestId: string, action: RequestSubmittedV1['action'], reason: string): Envelope<RequestSubmittedV1> {
    return signerOf(this.stack, requester).sign<RequestSubmittedV1>({
      id: randomUUID(),
      type: EventTypes.RequestSubmitted,
      subject: requestId,
      time: new Date().toISOString(),
      data: { requestId, action, reason },
    });
  }

  /** A `request.approved` signed by approval's key, published as approval's NATS user. */
  async approve(accepted: Envelope<RequestAcceptedV1>, data: Partial<RequestApprovedV1>): Promise<Envelope> {
    const now = new Date().toISOString();
    const { requestId, digest, requester, action } = accepted.data;
    const approved = signerOf(this.stack, 'service:approval').sign<RequestApprovedV1>({
      id: randomUUID(),
      type: EventTypes.RequestApproved,
      subject: requestId,
      time: now,
      correlationid: requestId,
      data: {
        requestId,
        digest,
        requester,
        acceptedEventId: accepted.id,
        mode: 'quorum',
        approvers: [],
        policy: { version: `sha256:${'0'.repeat(64)}`, label: 'e2e', tier: 'production-change', rules: ['tier:production-change'] },
        window: action.window,
        approvedAt: now,
        ...data,
      },
    });
    await inject(await this.connections.as('approval'), subjectFor(approved), bytesOf(approved), 'approval alone');
    return approved;
  }

  /** A vote claiming to be the voter's, signed with approval's key under the voter's key id. */
  voteSignedByApproval(requestId: string, digest: string, voter: string, renderingDigest: string): Envelope {
    const claimed = this.voteOf(requestId, digest, voter, renderingDigest);
    return signWith(claimed, signingKeyOf(this.stack, 'service:approval'), { keyid: signingKeyOf(this.stack, `approver:${voter}`).keyId });
  }

  /** A vote claiming to be the voter's, signed with a key nobody enrolled. */
  voteWithUnknownKey(requestId: string, digest: string, voter: string, renderingDigest: string): Envelope {
    const claimed = this.voteOf(requestId, digest, voter, renderingDigest);
    return signWith(claimed, { keyId: `approver:${voter}#forged`, key: generateKeyPairSync('ed25519').privateKey });
  }

  private voteOf(requestId: string, digest: string, voter: string, renderingDigest: string): Envelope<VoteCastV1> {
    return signerOf(this.stack, `approver:${voter}`).sign<VoteCastV1>({
      id: randomUUID(),
      type: EventTypes.VoteCast,
      subject: requestId,
      time: new Date().toISOString(),
      data: { requestId, digest, renderingDigest, decision: 'approve', reason: 'forged' },
    });
  }

  /** The broker too: its key mints and seals an execution token for `approval`, its NATS user publishes it. */
  async issue(accepted: Envelope<RequestAcceptedV1>, approval: Envelope): Promise<Envelope> {
    const { requestId, digest, action } = accepted.data;
    const now = new Date();
    const notBefore = new Date(Math.floor(now.getTime() / 1000) * 1000);
    const expiresAt = new Date(notBefore.getTime() + 600_000);
    const broker = signingKeyOf(this.stack, 'service:broker');
    const credentialId = randomUUID();
    const executor = 'service:executor';
    const token = await mintExecutionToken({
      ...{ privateKey: broker.key, keyId: broker.keyId, requestId, digest, target: action.target },
      ...{ executor, credentialId, notBefore, expiresAt, now },
    });
    const recipient = loadTrustStore(this.stack.home).activeEncryptionKey(executor);
    if (!recipient) throw new Error('the executor has no encryption key');
    const issued = signerOf(this.stack, 'service:broker').sign<CredentialIssuedV1>({
      id: randomUUID(),
      type: EventTypes.CredentialIssued,
      subject: requestId,
      time: now.toISOString(),
      correlationid: requestId,
      data: {
        ...{ requestId, digest, credentialId, executor, approvalEventId: approval.id },
        ...{ notBefore: notBefore.toISOString(), expiresAt: expiresAt.toISOString(), issuedAt: now.toISOString() },
        sealed: seal(token, recipient, `${requestId}:${digest}`),
      },
    });
    await inject(await this.connections.as('broker'), subjectFor(issued), bytesOf(issued), 'broker issues for approval alone');
    return issued;
  }

  close(): Promise<void> {
    return this.connections.closeAll();
  }
}

/** How an approval credits a voter, from the vote envelope it cites. */
export const asApprover = (vote: Envelope): Approver => ({ id: vote.signer, voteId: vote.id, via: 'signed', at: vote.time });

/** An approver credited with a vote that does not exist. */
export const invented = (name: string): Approver => ({
  id: `approver:${name}`,
  voteId: randomUUID(),
  via: 'signed',
  at: new Date().toISOString(),
});

/** The e2e scenario an attack suite runs on, with the attacker and the audit evidence; filled in by beforeAll. */
export interface CompromisedScenario {
  s: Scenario;
  attacker: CompromisedServices;
  evidence: AuditEvidence;
}

/** Starts the real stack for the suite (beforeAll) and closes it (afterAll); read the fields inside tests. */
export function compromisedScenario(): CompromisedScenario {
  const suite = {} as Partial<CompromisedScenario>;
  beforeAll(async () => {
    suite.s = await startScenario();
    suite.evidence = new AuditEvidence(suite.s.audit);
    suite.attacker = new CompromisedServices(suite.s.stack);
  });
  afterAll(async () => {
    await suite.attacker?.close();
    await suite.s?.close();
  });
  return suite as CompromisedScenario;
}
