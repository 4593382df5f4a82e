import { Inject, Injectable } from '@nestjs/common';
import type { Cause } from '@countersign/service-runtime';
import {
  admissionOf,
  budgetDecider,
  budgetSnapshots,
  budgetStreamFor,
  recordedAdmission,
  type AcceptablePreview,
  type ClaimBudget,
  type Admission,
  type HandleSubmission,
} from '@countersign/intake-domain';
import { loadPolicyBundleOrThrow } from '@countersign/policy-engine';
import { budgetsFor, type Policy } from '@countersign/policy';
import { RUNTIME, type ServiceRuntime } from '@countersign/service-runtime';
import { KeyedQueue } from './keyed-queue';

/** Outcomes after which a request no longer waits for approvers; escalated still does. */
const ENDS_PENDING: readonly string[] = ['approved', 'denied', 'expired', 'executed', 'failed', 'rejected'];

/**
 * The shell around the budget ledger (budgetDecider). The policy is read once at start-up, as
 * approval reads it, so a submission is counted against the budgets of the tier approval will
 * route it to; a policy that does not load stops intake (fail closed).
 */
@Injectable()
export class BudgetGate {
  private readonly policy: Policy;
  private readonly queue = new KeyedQueue();

  constructor(@Inject(RUNTIME) private readonly runtime: ServiceRuntime) {
    this.policy = loadPolicyBundleOrThrow(runtime.config.policyFile).policy;
    // A requester's ledger grows with every submission it made; its state is written down every
    // 1,000 events (budgetSnapshots), so the first claim after a start folds the tail only.
    runtime.runner.keepSnapshots(budgetDecider, budgetSnapshots);
    runtime.logger.log(`budgets from policy ${this.policy.label} (${this.policy.version})`);
  }

  /** One requester's budget decisions (and the submission decisions they feed) run one at a time. */
  serialized<T>(requester: string, work: () => Promise<T>): Promise<T> {
    return this.queue.run(requester, work);
  }

  /** May a submission intake would accept open an approval? Call inside serialized(requester). */
  async claim(command: Omit<HandleSubmission, 'admission'>, preview: AcceptablePreview, cause: Cause): Promise<Admission> {
    const budgets = budgetsFor(this.policy, preview.action, command.now);
    const claim = {
      type: 'ClaimBudget' as const,
      submissionId: command.submissionId,
      requestId: preview.requestId,
      joinDigest: preview.joinDigest,
      tier: budgets.tier,
      joins: budgets.peopleDecide,
      submissionsPerMinute: budgets.submissionsPerMinute,
      pendingApprovals: budgets.pendingApprovals,
      now: command.now,
    };
    const runId = command.run?.ok ? command.run.attestation.runId : undefined;
    if (runId === undefined) return this.claimOn(budgetStreamFor(command.requester), claim, cause);
    // A run's ledger first, with its own smaller budgets; then the requester's. Both must admit,
    // and a slot the run took is given back when the requester's ledger says no.
    const runStream = budgetStreamFor(command.requester, runId);
    const byRun = await this.claimOn(
      runStream,
      { ...claim, submissionsPerMinute: budgets.runSubmissionsPerMinute, pendingApprovals: budgets.runPendingApprovals },
      cause,
    );
    if (byRun.verdict !== 'admitted') return byRun;
    const byRequester = await this.claimOn(budgetStreamFor(command.requester), claim, cause);
    if (byRequester.verdict !== 'admitted') await this.releaseOn(runStream, preview.requestId, cause, command.submissionId);
    return byRequester;
  }

  private async claimOn(stream: string, claim: ClaimBudget, cause: Cause): Promise<Admission> {
    const [decided] = await this.runtime.runner.run(budgetDecider, stream, claim, cause);
    const admission = decided
      ? admissionOf(decided)
      : recordedAdmission(await this.runtime.runner.load(budgetDecider, stream), claim.submissionId);
    // Fail closed: with no verdict the message is redelivered rather than accepted unbudgeted.
    if (!admission) throw new Error(`no budget verdict for submission ${claim.submissionId} (this is a bug)`);
    return admission;
  }

  /** The request's outcome frees its pending slot when it means approvers are done with it. */
  async release(
    requester: string,
    requestId: string,
    outcome: string,
    cause: Cause,
    slot: { submissionId?: string; runId?: string } = {},
  ): Promise<void> {
    if (!ENDS_PENDING.includes(outcome)) return;
    await this.serialized(requester, () => this.releaseNow(requester, requestId, cause, slot.submissionId, slot.runId));
  }

  /** The release itself, on the requester's ledger and its run's; inside serialized(requester) already, or it would wait for itself. */
  async releaseNow(requester: string, requestId: string, cause: Cause, submissionId?: string, runId?: string): Promise<void> {
    await this.releaseOn(budgetStreamFor(requester), requestId, cause, submissionId);
    if (runId !== undefined) await this.releaseOn(budgetStreamFor(requester, runId), requestId, cause, submissionId);
  }

  private async releaseOn(stream: string, requestId: string, cause: Cause, submissionId?: string): Promise<void> {
    const command = { type: 'ReleaseBudget' as const, requestId, now: cause.now.toISOString(), ...(submissionId ? { submissionId } : {}) };
    await this.runtime.runner.run(budgetDecider, stream, command, cause);
  }
}
