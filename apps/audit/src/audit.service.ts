import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { EventTypes, type Envelope, type RequestAcceptedV1 } from '@countersign/contracts';
import { AUDIT_LOG_STREAM, auditLogDecider, auditLogSnapshots, provenSubmission, type CheckpointPolicy } from '@countersign/audit-domain';
import { RUNTIME, type ServiceRuntime } from '@countersign/service-runtime';
import { loadCheckpointPolicy } from './checkpoint.config';

/**
 * Chains every verified event into the one audit log. Custody checks follow the log itself
 * (CustodyChecks subscribes to the store), so they see each record once, also after a restart.
 */
@Injectable()
export class AuditService implements OnApplicationBootstrap {
  readonly checkpoints = loadCheckpointPolicy();
  /** The last write to the log in line; the next one starts when it settles (see `inTurn`). */
  private turn: Promise<unknown> = Promise.resolve();

  constructor(@Inject(RUNTIME) private readonly runtime: ServiceRuntime) {
    // The log's state is written down every 1,000 events of the log (auditLogSnapshots), so a start folds the tail only.
    runtime.runner.keepSnapshots(auditLogDecider, auditLogSnapshots);
  }

  /**
   * The log's state (head, recent ids, Merkle frontier: bounded, see AuditLogState) is folded once,
   * here, before audit consumes anything: from its last snapshot when audit's key signed it and the
   * log still holds the event it was taken at (StreamSnapshots), else from the log's start. A
   * start-up replay, not a cost the first event after a restart pays while the pipeline waits for
   * its receipt.
   */
  async onApplicationBootstrap(): Promise<void> {
    const started = Date.now();
    const state = await this.runtime.runner.load(auditLogDecider, AUDIT_LOG_STREAM);
    this.runtime.metrics.auditChainLength.set(state.head.sequence);
    this.runtime.logger.log(`audit log loaded: ${state.tree.size} records in ${Date.now() - started} ms`);
  }

  record(envelope: Envelope): Promise<void> {
    return this.inTurn(() => this.recordNow(envelope));
  }

  private async recordNow(envelope: Envelope): Promise<void> {
    const now = this.runtime.clock();
    const submission = provenSubmission({ envelope, submission: this.carriedSubmission(envelope) });
    // The carried submission is chained first, in an append of its own and with no checkpoint: when
    // it was chained long ago (out of the decider's recent ids, e.g. after a burst of submissions
    // crossed CS_SUBMISSIONS first), its record alone is an idempotent retry, whereas appended with
    // the new record it would make the append partial and fail on every delivery.
    if (submission) await this.chain(submission, now, undefined);
    await this.chain(envelope, now, this.checkpoints);
  }

  private async chain(envelope: Envelope, now: Date, checkpoints: CheckpointPolicy | undefined): Promise<void> {
    const command = { type: 'RecordEvent' as const, envelope, recordedAt: now.toISOString(), ...(checkpoints ? { checkpoints } : {}) };
    // Audit alone writes its log, so a record is decided on the state the runner keeps (no read of
    // the store per record); a record decided on a state that is behind conflicts and is decided
    // again, and it never wrongly decides nothing (see RunOptions.fromCache).
    const decided = await this.runtime.runner.run(
      auditLogDecider,
      AUDIT_LOG_STREAM,
      command,
      { id: envelope.id, now },
      { fromCache: true },
    );
    // The chain's length from the log's own state, not a replay of every record at each start.
    for (const event of decided) if (event.type === EventTypes.AuditRecord) this.runtime.metrics.auditChainLength.set(event.data.sequence);
  }

  /**
   * Signs a checkpoint if the interval passed with records not yet covered (the decider says). On
   * the cached state too: one decided on a state that is behind only comes a tick later.
   */
  checkpointIfDue(): Promise<void> {
    return this.inTurn(async () => {
      const now = this.runtime.clock();
      await this.runtime.runner.run(
        auditLogDecider,
        AUDIT_LOG_STREAM,
        { type: 'PublishCheckpoint', now: now.toISOString(), checkpoints: this.checkpoints },
        { id: `checkpoint:${now.toISOString()}`, now },
        { fromCache: true },
      );
    });
  }

  /**
   * Writes to the log one after another, whichever of audit's four consumers (or the checkpoint
   * timer) asks: run concurrently, every write but the first would decide on the state the runner
   * cached before the others landed, conflict, and read, sign and append again. In turn, each one
   * decides on the state the previous one left. A turn ends when its append resolves, at once
   * inside the transport's deferred group commit, so batches still share one fsync.
   */
  private inTurn<T>(work: () => Promise<T>): Promise<T> {
    const mine = this.turn.then(work);
    this.turn = mine.catch(() => undefined);
    return mine;
  }

  /**
   * The requester's signed submission an acceptance carries, verified here with audit's own trust
   * store (no freshness: it is older than the acceptance). Every ingress path ends in an acceptance
   * or a rejection carrying it, so a submission that never crossed CS_SUBMISSIONS (HTTP) is chained
   * all the same.
   */
  private carriedSubmission(envelope: Envelope): Envelope | undefined {
    if (envelope.type !== EventTypes.RequestAccepted && envelope.type !== EventTypes.RequestRejected) return undefined;
    const carried = (envelope.data as Partial<RequestAcceptedV1>).submission;
    if (carried === undefined) return undefined;
    const verification = this.runtime.trust.verify(carried);
    if (!verification.ok || verification.type !== EventTypes.RequestSubmitted) {
      this.runtime.logger.warn(`acceptance ${envelope.id} carries a submission that does not verify; not chained`);
      return undefined;
    }
    return verification.envelope;
  }
}
