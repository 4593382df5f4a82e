import { randomUUID, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Inject, Injectable } from '@nestjs/common';
import { EventTypes, type Envelope } from '@countersign/contracts';
import { mayHaveTakenEffect, type ActionAdapter, type ExecutionCredential } from '@countersign/action-adapters';
import {
  checkAuditedChain,
  decideEvidence,
  evidenceDecider,
  evidenceStream,
  executionDecider,
  executionGate,
  executionStream,
  evolveEvidence,
  type EvidenceState,
  type ExecutionCommand,
} from '@countersign/executor-domain';
import { importPrivateKey } from '@countersign/identity';
import { approvalFacts, loadPinnedPolicyOrThrow, type PolicyBundle } from '@countersign/policy-engine';
import { RUNTIME, type ServiceRuntime } from '@countersign/service-runtime';
import { ADAPTER_TIMEOUT_MS, actionAdapters } from './adapters';
import { EXECUTOR, openCredential } from './credential-opener';
import { reconcileUnfinishedClaims } from './in-doubt-scan';

/** The adapter's view of an opened credential: the token, and a system-backed kind's sealed secret. */
const credentialFor = (token: string, system: unknown): ExecutionCredential => (system === undefined ? { token } : { token, system });

/** Older than any attempt can take (opening, checking, one adapter call), with room for a loaded machine. */
const STALE_CLAIM_MS = 3 * ADAPTER_TIMEOUT_MS;

/**
 * The executor trusts nothing it did not check itself: it keeps its own copy of the chain, opens
 * the credential, verifies everything, and claims the execution in its store (only one claim can
 * win) before the action runs. A crash after the claim leaves the request in doubt, never re-run.
 * It re-checks the approval against the policy pinned at provisioning; a policy that does not load,
 * or is not the pinned one, stops it (fail closed).
 */
@Injectable()
export class ExecutorService {
  private readonly decryption: KeyObject;
  /** Encryption keys held before the current one (kept by `countersign keys rotate`), by key id. */
  private readonly previousDecryption: ReadonlyMap<string, KeyObject>;
  private readonly adapters: Map<string, ActionAdapter>;
  /** Requests whose claimed execution this process is running right now. */
  private readonly running = new Set<string>();
  private readonly policy: PolicyBundle;

  constructor(@Inject(RUNTIME) private readonly runtime: ServiceRuntime) {
    const encryption = runtime.identityFile.encryption;
    if (!encryption) throw new Error('the executor identity has no encryption key: re-run provisioning');
    this.decryption = importPrivateKey(encryption.privateKey);
    const previous = runtime.identityFile.previousEncryption ?? [];
    this.previousDecryption = new Map(previous.map((pair) => [pair.keyId, importPrivateKey(pair.privateKey)]));
    const targets = JSON.parse(readFileSync(runtime.config.targetsFile, 'utf8')) as Record<string, string>;
    this.adapters = actionAdapters(targets, ADAPTER_TIMEOUT_MS, runtime.registry.targets);
    this.policy = loadPinnedPolicyOrThrow(runtime.config.policyFile, runtime.config.home);
    runtime.logger.log(`re-checking approvals against pinned policy ${this.policy.policy.label} (${this.policy.policy.version})`);
  }

  /**
   * Any link of the chain. The link that completes it is not kept: the claim (or refusal) decided
   * with it ends the request's need of its evidence for good, and is committed before the link is
   * acknowledged (a crash before that commit redelivers the link). Any other link is recorded, then
   * the chain is looked at again (write, then read: of two links arriving at once on different
   * consumers, the second to be recorded sees the first). If deciding with the unkept link throws,
   * the link is recorded before the error goes on: a message that ends dead-lettered must not take
   * the link with it, or no later link could complete the chain.
   */
  async onEvidence(envelope: Envelope<{ requestId: string }>): Promise<void> {
    const { requestId } = envelope.data;
    const stream = evidenceStream(requestId);
    const command = { type: 'RecordEvidence' as const, envelope };
    const record = () => this.runtime.runner.run(evidenceDecider, stream, command, { id: envelope.id, now: this.runtime.clock() });
    const held = await this.runtime.runner.load(evidenceDecider, stream);
    const withLink = decideEvidence(command, held).reduce(evolveEvidence, held);
    try {
      if (await this.executeIfReady(requestId, withLink)) return;
    } catch (error) {
      await record();
      throw error;
    }
    await record();
    await this.executeIfReady(requestId, await this.runtime.runner.load(evidenceDecider, stream));
  }

  /** Claims and runs the request if its chain is complete; true once its execution is decided for good. */
  private async executeIfReady(requestId: string, evidence: EvidenceState): Promise<boolean> {
    // Audit's receipt is a fourth link: without it the request waits (see audit-gate.ts).
    if (executionGate(evidence) === 'wait' || !evidence.issued || !evidence.accepted || !evidence.approved) return false;
    const execution = await this.runtime.runner.load(executionDecider, executionStream(requestId));
    if (execution.status === 'started' && !this.running.has(requestId) && this.claimIsStale(execution.started.startedAt)) {
      // Claimed, no one here is running it, and longer ago than any attempt can take: the attempt
      // that claimed it failed before it could record a result (e.g. the store refused the
      // outcome). Left alone it would wait for the next restart's reconciliation; it is in doubt
      // now. A younger claim may belong to another executor process that is still running it.
      await this.decide({ type: 'ReconcileInDoubt', requestId, now: this.runtime.clock().toISOString() }, `reconcile:${requestId}`);
      return true;
    }
    if (execution.status !== 'unclaimed') return true;
    this.running.add(requestId);
    try {
      await this.claimAndRun(requestId, evidence);
    } finally {
      this.running.delete(requestId);
    }
    // The claim decides something or finds it decided: either way the execution is no longer unclaimed.
    return true;
  }

  private async claimAndRun(requestId: string, evidence: EvidenceState): Promise<void> {
    if (!evidence.issued || !evidence.accepted || !evidence.approved) return;
    const now = this.runtime.clock();
    const issued = evidence.issued;
    const credential = await openCredential(
      issued,
      evidence.accepted.data.action.target,
      { decryption: this.decryption, previousDecryption: this.previousDecryption, trust: this.runtime.trust },
      now,
    );
    const check = checkAuditedChain(evidence, {
      now: now.toISOString(),
      executorId: EXECUTOR,
      credential,
      supportedKinds: [...this.adapters.keys()],
      approvalFacts: approvalFacts(this.policy, evidence.accepted.data, evidence.approved.data, this.runtime.trust, this.runtime.registry),
    });
    const claimId = randomUUID();
    const claimed = await this.decide({ type: 'ClaimExecution', requestId, claimId, now: now.toISOString(), check }, claimId);
    if (!check.ok || !credential.token || claimed[0]?.type !== EventTypes.ExecutionStarted) return;
    // The claim must be on disk before the action runs: under group commit the append may have
    // resolved ahead of its commit, and a claim lost in a crash would let a redelivery run it twice.
    await this.runtime.store.flush?.();
    const adapter = this.adapters.get(check.action.kind);
    const result = adapter
      ? await adapter.execute(check.action, credentialFor(credential.token, credential.system), { requestId, digest: check.digest })
      : { ok: false as const, code: 'unsupported_action', message: `no adapter for ${check.action.kind}` };
    const done = this.runtime.clock().toISOString();
    const command: ExecutionCommand = mayHaveTakenEffect(result)
      ? { type: 'ReconcileInDoubt', requestId, now: done }
      : { type: 'RecordOutcome', requestId, outcome: result, now: done };
    await this.decide(command, `${claimId}:outcome`);
  }

  private claimIsStale(startedAt: string): boolean {
    return this.runtime.clock().getTime() - Date.parse(startedAt) > STALE_CLAIM_MS;
  }

  /** At start-up, every claim without a result is in doubt: it may or may not have run (see in-doubt-scan.ts). */
  async reconcileInDoubt(): Promise<void> {
    await reconcileUnfinishedClaims(this.runtime.store, this.runtime.checkpoints, (requestId) =>
      this.decide({ type: 'ReconcileInDoubt', requestId, now: this.runtime.clock().toISOString() }, `reconcile:${requestId}`),
    );
  }

  private decide(command: ExecutionCommand, causeId: string) {
    const now = this.runtime.clock();
    return this.runtime.runner.run(executionDecider, executionStream(command.requestId), command, { id: causeId, now });
  }
}
