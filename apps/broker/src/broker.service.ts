import { randomUUID, type KeyObject } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Envelope, RequestAcceptedV1, RequestApprovedV1 } from '@countersign/contracts';
import { credentialDecider, credentialStream, dueRevocations, issuanceTerms, type CredentialState } from '@countersign/broker-domain';
import { mintExecutionToken } from '@countersign/credentials';
import { importPrivateKey, seal } from '@countersign/identity';
import { RUNTIME, type ServiceRuntime } from '@countersign/service-runtime';

const EXECUTOR = 'service:executor';

/** Thrown to retry later (nak with backoff): the approval overtook the request it refers to. */
export class NotYet extends Error {}

/**
 * The broker's use cases. It trusts no one's word: issuance terms are re-derived from its own copy
 * of the accepted request, and the decider checks them again before anything is recorded.
 */
@Injectable()
export class BrokerService {
  private readonly mintingKey: KeyObject;

  constructor(@Inject(RUNTIME) private readonly runtime: ServiceRuntime) {
    this.mintingKey = importPrivateKey(runtime.identityFile.signing.privateKey);
  }

  async recordAccepted(accepted: Envelope<RequestAcceptedV1>): Promise<void> {
    const now = this.runtime.clock();
    await this.runtime.runner.run(credentialDecider, credentialStream(accepted.data.requestId), { type: 'RecordAcceptedRequest', accepted }, { id: accepted.id, now });
  }

  async onApproved(approval: Envelope<RequestApprovedV1>): Promise<void> {
    const stream = credentialStream(approval.data.requestId);
    const state = await this.runtime.runner.load(credentialDecider, stream);
    const now = this.runtime.clock();
    const terms = issuanceTerms(state, approval, now.toISOString());
    if (!terms.ok) {
      if (terms.code === 'request_unknown' || terms.retryAt) throw new NotYet(`${terms.code}: ${terms.message}`);
      const refuse = { type: 'RefuseCredential' as const, approval, now: now.toISOString(), code: terms.code, message: terms.message };
      await this.runtime.runner.run(credentialDecider, stream, refuse, { id: approval.id, now });
      return;
    }
    if (state.issued) return; // a redelivered approval: the credential already exists
    const credentialId = randomUUID();
    const sealed = await this.sealedCredential(state, approval, credentialId, terms, now);
    const issue = { type: 'IssueCredential' as const, approval, now: now.toISOString(), credentialId, executor: EXECUTOR, sealed, ...terms };
    await this.runtime.runner.run(credentialDecider, stream, issue, { id: approval.id, now });
  }

  async revokeOnCompletion(requestId: string, causeId: string): Promise<void> {
    const now = this.runtime.clock();
    const command = { type: 'RevokeCredential' as const, requestId, reason: 'execution_completed' as const, causeId, now: now.toISOString() };
    await this.runtime.runner.run(credentialDecider, credentialStream(requestId), command, { id: causeId, now });
  }

  async revokeIfDue(requestId: string): Promise<void> {
    const stream = credentialStream(requestId);
    const now = this.runtime.clock();
    const state = await this.runtime.runner.load(credentialDecider, stream);
    for (const command of dueRevocations(state, now.toISOString())) {
      await this.runtime.runner.run(credentialDecider, stream, command, { id: command.causeId, now });
    }
  }

  /** Mints the single-use token and seals it to the executor: the bus and audit never see it. */
  private async sealedCredential(state: CredentialState, approval: Envelope<RequestApprovedV1>, credentialId: string, terms: { notBefore: string; expiresAt: string }, now: Date) {
    const recipient = this.runtime.trust.activeEncryptionKey(EXECUTOR);
    if (!recipient || !state.accepted) throw new Error('no active encryption key for the executor: cannot deliver a credential');
    const { requestId, digest } = approval.data;
    const token = await mintExecutionToken({
      privateKey: this.mintingKey,
      keyId: this.runtime.identityFile.signing.keyId,
      requestId,
      digest,
      target: state.accepted.data.action.target,
      executor: EXECUTOR,
      credentialId,
      notBefore: new Date(terms.notBefore),
      expiresAt: new Date(terms.expiresAt),
      now,
    });
    return seal(token, recipient, `${requestId}:${digest}`);
  }
}
