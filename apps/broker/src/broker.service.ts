import { randomUUID, type KeyObject } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { deterministicId, type Envelope, type RequestAcceptedV1, type RequestApprovedV1 } from '@countersign/contracts';
import { credentialDecider, credentialStream, credentialTerms, dueRevocations, type CredentialState } from '@countersign/broker-domain';
import { mintExecutionToken } from '@countersign/credentials';
import { importPrivateKey, seal } from '@countersign/identity';
import { approvalFacts, loadPinnedPolicyOrThrow, type PolicyBundle } from '@countersign/policy-engine';
import { RUNTIME, type ServiceRuntime } from '@countersign/service-runtime';

const EXECUTOR = 'service:executor';

/** Approvals that arrived before the accepted request they refer to, kept until it does. */
const parkedStream = (requestId: string) => `parked-approval-${requestId}`;

/** Thrown to retry later (nak with backoff): the approval overtook the request it refers to. */
export class NotYet extends Error {}

/**
 * The broker's use cases. It trusts no one's word: issuance terms are re-derived from its own copy
 * of the accepted request and the approval is re-checked against the policy pinned at provisioning
 * (a policy that does not load, or is not the pinned one, stops the broker: fail closed); the
 * decider checks them again before anything is recorded.
 */
@Injectable()
export class BrokerService {
  private readonly mintingKey: KeyObject;
  private readonly policy: PolicyBundle;

  constructor(@Inject(RUNTIME) private readonly runtime: ServiceRuntime) {
    this.mintingKey = importPrivateKey(runtime.identityFile.signing.privateKey);
    this.policy = loadPinnedPolicyOrThrow(runtime.config.policyFile, runtime.config.home);
    runtime.logger.log(`re-checking approvals against pinned policy ${this.policy.policy.label} (${this.policy.policy.version})`);
  }

  async recordAccepted(accepted: Envelope<RequestAcceptedV1>): Promise<void> {
    const now = this.runtime.clock();
    const { requestId } = accepted.data;
    await this.runtime.runner.run(
      credentialDecider,
      credentialStream(requestId),
      { type: 'RecordAcceptedRequest', accepted },
      { id: accepted.id, now },
    );
    for (const parked of await this.runtime.store.readStream(parkedStream(requestId)))
      await this.onApproved(parked.data as Envelope<RequestApprovedV1>);
  }

  async onApproved(approval: Envelope<RequestApprovedV1>): Promise<void> {
    const stream = credentialStream(approval.data.requestId);
    let state = await this.runtime.runner.load(credentialDecider, stream);
    if (!state.accepted) {
      // The approval overtook the request (they come on different consumers). Park it; whichever
      // of the two handlers runs second sees the other's write and issues. Issuing is idempotent.
      await this.park(approval);
      state = await this.runtime.runner.load(credentialDecider, stream);
      if (!state.accepted) return;
    }
    const now = this.runtime.clock();
    const { trust, registry } = this.runtime;
    const facts = approvalFacts(this.policy, state.accepted.data, approval.data, trust, registry);
    const terms = credentialTerms(state, approval, facts, now.toISOString());
    if (!terms.ok) {
      if (terms.retryAt) throw new NotYet(`${terms.code}: ${terms.message}`);
      const refuse = { type: 'RefuseCredential' as const, approval, now: now.toISOString(), code: terms.code, message: terms.message };
      await this.runtime.runner.run(credentialDecider, stream, refuse, { id: approval.id, now });
      return;
    }
    if (state.issued) return; // a redelivered approval: the credential already exists
    const credentialId = randomUUID();
    const sealed = await this.sealedCredential(state, approval, credentialId, terms, now);
    const issue = {
      type: 'IssueCredential' as const,
      approval,
      facts,
      now: now.toISOString(),
      credentialId,
      executor: EXECUTOR,
      sealed,
      ...terms,
    };
    await this.runtime.runner.run(credentialDecider, stream, issue, { id: approval.id, now });
  }

  private async park(approval: Envelope<RequestApprovedV1>): Promise<void> {
    const id = deterministicId(approval.id, 'broker.approval.parked');
    await this.runtime.store.append(parkedStream(approval.data.requestId), [{ id, type: 'local.approval.parked', data: approval }], 'any');
  }

  async revokeOnCompletion(requestId: string, causeId: string): Promise<void> {
    const now = this.runtime.clock();
    const command = {
      type: 'RevokeCredential' as const,
      requestId,
      reason: 'execution_completed' as const,
      causeId,
      now: now.toISOString(),
    };
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
  private async sealedCredential(
    state: CredentialState,
    approval: Envelope<RequestApprovedV1>,
    credentialId: string,
    terms: { notBefore: string; expiresAt: string },
    now: Date,
  ) {
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
