import type { KeyObject } from 'node:crypto';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import {
  auditGate,
  type AuditReceiptV1,
  deterministicId,
  type Envelope,
  type RequestAcceptedV1,
  type RequestApprovedV1,
  SERVICE_IDS,
} from '@countersign/contracts';
import { credentialDecider, credentialStream, dueRevocations, credentialTerms, type CredentialState } from '@countersign/broker-domain';
import { mintExecutionToken } from '@countersign/credentials';
import { importPrivateKey, seal } from '@countersign/identity';
import { approvalFacts, loadPinnedPolicyOrThrow, type PolicyBundle } from '@countersign/policy-engine';
import { traceMetadata } from '@countersign/messaging';
import { RUNTIME, type ServiceRuntime } from '@countersign/service-runtime';
import { AuditReceipts } from './audit-receipts';
import { credentialIssuers, type CredentialIssuers } from './issuers';
import { RecheckMemo } from './recheck-memo';
import { SystemGrants } from './system-grants';

/** Approvals that arrived before the accepted request (or audit's receipt) they need, kept until it does. */
const parkedStream = (requestId: string) => `parked-approval-${requestId}`;
export const PARKED_APPROVAL = 'local.approval.parked';
/** An approval whose window has not opened yet, parked until it does (audit-gate.timer.ts). */
export const EARLY_APPROVAL = 'local.approval.parked.early';

/**
 * The broker's use cases. It trusts no one's word: issuance terms are re-derived from its own copy
 * of the accepted request and the approval is re-checked against the policy pinned at provisioning
 * (a policy that does not load, or is not the pinned one, stops the broker: fail closed); the
 * decider checks them again before anything is recorded.
 */
@Injectable()
export class BrokerService implements OnApplicationShutdown {
  private readonly mintingKey: KeyObject;
  private readonly receipts: AuditReceipts;
  private readonly policy: PolicyBundle;
  private readonly issuers: CredentialIssuers;
  private readonly grants: SystemGrants;
  private readonly recheck = new RecheckMemo();

  constructor(@Inject(RUNTIME) private readonly runtime: ServiceRuntime) {
    this.mintingKey = importPrivateKey(runtime.identityFile.signing.privateKey);
    this.receipts = new AuditReceipts(runtime);
    this.issuers = credentialIssuers(runtime);
    this.grants = new SystemGrants(runtime, this.issuers);
    this.policy = loadPinnedPolicyOrThrow(runtime.config.policyFile, runtime.config.home);
    runtime.logger.log(`re-checking approvals against pinned policy ${this.policy.policy.label} (${this.policy.policy.version})`);
  }

  onApplicationShutdown(): Promise<void> {
    return this.issuers.close();
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
    await this.retryParked(requestId);
  }

  /**
   * Audit recorded an approval. Its receipt nearly always finds the approval parked, waiting for it:
   * decided again with the receipt in hand, the approval is answered (issued or refused, for good)
   * and the receipt is not needed again, so it is not kept; the answer is committed before the
   * receipt is acknowledged. Otherwise the receipt is kept first and whatever waited is decided
   * again after (write, then read: a handler racing on another consumer sees one or the other).
   * If deciding with the unkept receipt throws, it is kept before the error goes on: a message that
   * ends dead-lettered must not take the receipt with it, or no later trigger could use it.
   */
  async onReceipt(receipt: Envelope<AuditReceiptV1>): Promise<void> {
    const { requestId, approvedEventId } = receipt.data;
    try {
      await this.retryParked(requestId, receipt);
    } catch (error) {
      await this.receipts.record(receipt);
      throw error;
    }
    const state = await this.runtime.runner.load(credentialDecider, credentialStream(requestId));
    if (state.answeredApprovals.includes(approvedEventId)) return;
    await this.receipts.record(receipt);
    await this.retryParked(requestId);
  }

  /** Decides every parked approval of the request again; `arrived` is a receipt being delivered, not kept yet. */
  async retryParked(requestId: string, arrived?: Envelope<AuditReceiptV1>): Promise<void> {
    for (const parked of await this.runtime.store.readStream(parkedStream(requestId)))
      await this.onApproved(parked.data as Envelope<RequestApprovedV1>, arrived);
  }

  /**
   * A parked approval's window has ended: decided again, a known request is refused `window_closed`
   * by the terms. One whose request never arrived is refused too, so no approval waits forever.
   */
  async closeParked(requestId: string): Promise<void> {
    await this.retryParked(requestId);
    const stream = credentialStream(requestId);
    const state = await this.runtime.runner.load(credentialDecider, stream);
    if (state.accepted) return;
    const now = this.runtime.clock();
    for (const parked of await this.runtime.store.readStream(parkedStream(requestId))) {
      const approval = parked.data as Envelope<RequestApprovedV1>;
      const message = `the approved window closed at ${approval.data.window.notAfter} before the request was seen accepted`;
      const refuse = { type: 'RefuseCredential' as const, approval, now: now.toISOString(), code: 'request_unknown' as const, message };
      await this.runtime.runner.run(credentialDecider, stream, refuse, { id: approval.id, now });
    }
  }

  async onApproved(approval: Envelope<RequestApprovedV1>, arrived?: Envelope<AuditReceiptV1>): Promise<void> {
    const stream = credentialStream(approval.data.requestId);
    let state = await this.runtime.runner.load(credentialDecider, stream);
    if (!state.accepted) {
      // The approval overtook the request (they come on different consumers). Park it; whichever
      // of the two handlers runs second sees the other's write and issues. Issuing is idempotent.
      await this.park(approval);
      state = await this.runtime.runner.load(credentialDecider, stream);
      if (!state.accepted) return;
    }
    // Answered already (a redelivery, or a parked approval retried): skip the policy and signature work.
    if (state.answeredApprovals.includes(approval.id)) return;
    const now = this.runtime.clock();
    const { trust, registry } = this.runtime;
    const { accepted } = state;
    const facts = this.recheck.factsFor(accepted, approval, trust, () =>
      approvalFacts(this.policy, accepted.data, approval.data, trust, registry),
    );
    const terms = credentialTerms(state, approval, facts, now.toISOString());
    if (!terms.ok) {
      // Not a failure: an approval for a window that opens in an hour waits (acknowledged, parked)
      // and is decided again when the window opens, instead of being retried into a dead letter.
      if (terms.retryAt) return this.park(approval, EARLY_APPROVAL, `${terms.code}: ${terms.message}`);
      const refuse = { type: 'RefuseCredential' as const, approval, now: now.toISOString(), code: terms.code, message: terms.message };
      await this.runtime.runner.run(credentialDecider, stream, refuse, { id: approval.id, now });
      return;
    }
    if (state.issued) return; // a redelivered approval: the credential already exists
    const receipts = await this.auditedOrParked(approval, now, arrived);
    if (!receipts) return;
    // System-backed kinds (issue 13): the grant is recorded, then made on the target system.
    const plan = await this.grants.plan(state, approval, terms, now);
    if (!plan.ok) {
      const refuse = { type: 'RefuseCredential' as const, approval, now: now.toISOString(), code: plan.code, message: plan.message };
      await this.runtime.runner.run(credentialDecider, stream, refuse, { id: approval.id, now });
      await this.revokeGrantSoon(approval.data.requestId);
      return;
    }
    const { credentialId, grant, secret } = plan;
    const sealed = await this.sealedCredential(state, approval, credentialId, terms, now, secret);
    const issue = {
      type: 'IssueCredential' as const,
      approval,
      facts,
      now: now.toISOString(),
      credentialId,
      executor: SERVICE_IDS.executor,
      sealed,
      receipts,
      ...terms,
      ...(grant ? { grant } : {}),
    };
    await this.runtime.runner.run(credentialDecider, stream, issue, { id: approval.id, now });
    this.recheck.forget(approval.id);
  }

  /**
   * Revokes a due grant on its system now rather than on the next timer tick. A failure is only
   * logged: the revocation is recorded as due in the store and the timer retries it.
   */
  private async revokeGrantSoon(requestId: string): Promise<void> {
    await this.grants
      .revokeIfDue(requestId)
      .catch((error: unknown) => this.runtime.logger.warn(`grant revocation for ${requestId} will be retried: ${String(error)}`));
  }

  private async park(approval: Envelope<RequestApprovedV1>, type = PARKED_APPROVAL, why?: string): Promise<void> {
    if (why) this.runtime.logger.log(`approval ${approval.id} parked: ${why}`);
    const id = deterministicId(approval.id, type === PARKED_APPROVAL ? 'broker.approval.parked' : 'broker.approval.parked.early');
    await this.runtime.store.append(
      parkedStream(approval.data.requestId),
      [{ id, type, data: approval, metadata: traceMetadata() }],
      'any',
    );
  }

  /**
   * Audit is a gate: the receipts that prove audit chained this approval, or undefined when there
   * are none yet (the approval is parked until one arrives: nothing is lost, nothing is issued) or
   * when one contradicts it (refused for good). Parked first, then read again, as for the request.
   */
  private async auditedOrParked(approval: Envelope<RequestApprovedV1>, now: Date, arrived?: Envelope<AuditReceiptV1>) {
    const { requestId } = approval.data;
    let receipts = await this.receipts.held(requestId, arrived);
    if (auditGate(receipts, approval).status === 'waiting') {
      await this.park(approval);
      receipts = await this.receipts.held(requestId, arrived);
    }
    const gate = auditGate(receipts, approval);
    if (gate.status === 'open') return receipts;
    if (gate.status === 'waiting') {
      this.runtime.logger.log(`approval ${approval.id} waits for audit: ${gate.message}`);
      return undefined;
    }
    const refuse = {
      type: 'RefuseCredential' as const,
      approval,
      now: now.toISOString(),
      code: 'audit_receipt_invalid' as const,
      message: gate.message,
    };
    await this.runtime.runner.run(credentialDecider, credentialStream(requestId), refuse, { id: approval.id, now });
    return undefined;
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
    await this.revokeGrantSoon(requestId);
  }

  /** The timer's work: the credential at its window end, then its grant on the system (throws to be retried). */
  async revokeIfDue(requestId: string): Promise<void> {
    const stream = credentialStream(requestId);
    const now = this.runtime.clock();
    const state = await this.runtime.runner.load(credentialDecider, stream);
    for (const command of dueRevocations(state, now.toISOString())) {
      await this.runtime.runner.run(credentialDecider, stream, command, { id: command.causeId, now });
    }
    await this.grants.revokeIfDue(requestId);
  }

  /**
   * Mints the single-use token and seals it to the executor: the bus and audit never see it. A
   * system-backed kind's secret (a role's password, a certificate's key) travels in the same box as
   * `{token, system}`, so it is bound to the same request, digest and executor key.
   */
  private async sealedCredential(
    state: CredentialState,
    approval: Envelope<RequestApprovedV1>,
    credentialId: string,
    terms: { notBefore: string; expiresAt: string },
    now: Date,
    system?: unknown,
  ) {
    const recipient = this.runtime.trust.activeEncryptionKey(SERVICE_IDS.executor);
    if (!recipient || !state.accepted) throw new Error('no active encryption key for the executor: cannot deliver a credential');
    const { requestId, digest } = approval.data;
    const token = await mintExecutionToken({
      privateKey: this.mintingKey,
      keyId: this.runtime.identityFile.signing.keyId,
      requestId,
      digest,
      target: state.accepted.data.action.target,
      executor: SERVICE_IDS.executor,
      credentialId,
      notBefore: new Date(terms.notBefore),
      expiresAt: new Date(terms.expiresAt),
      now,
    });
    const plaintext = system === undefined ? token : JSON.stringify({ token, system });
    return seal(plaintext, recipient, `${requestId}:${digest}`);
  }
}
