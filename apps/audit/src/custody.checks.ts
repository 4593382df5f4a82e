import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { EventTypes, type AuditRecordV1, type Envelope } from '@countersign/contracts';
import {
  AUDIT_LOG_STREAM,
  checkCustody,
  custodyDecider,
  custodyStream,
  mayProveUnproven,
  requestIdOf,
  requestIdOfCustodyStream,
  unprovenApproval,
} from '@countersign/audit-domain';
import type { Subscription } from '@countersign/event-store';
import { RUNTIME, type ServiceRuntime } from '@countersign/service-runtime';

/** Submissions and votes arrive on other consumers than execution results; wait this long for them. */
const COMPLETION_GRACE_MS = 30_000;
/** How many decided requests are remembered so their late events are not indexed again. */
export const RETIRED_MEMORY = 50_000;
/** Outcomes after which no custody check will come: the request's evidence goes after the grace. */
const ENDED_WITHOUT_EXECUTION: string[] = [
  EventTypes.RequestRejected,
  EventTypes.RequestDenied,
  EventTypes.RequestExpired,
  EventTypes.CredentialRefused,
  EventTypes.ExecutionRefused,
];

/**
 * Checks each finished request's chain of custody once its evidence is in. The per-request index is
 * rebuilt from audit's own log on start, so a restart forgets neither evidence nor pending checks.
 *
 * The index holds open requests only, so it does not grow with history: a request's evidence is
 * dropped once its custody is decided (its `custody-<id>` stream is written), or a grace period
 * after it ended without an execution (rejected, denied, expired, refused) when no check is due.
 * The last RETIRED_MEMORY retired request ids are remembered so their late events (the
 * credential's revocation, the executed notification) are not indexed again.
 */
@Injectable()
export class CustodyChecks implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly evidence = new Map<string, Map<string, Envelope>>();
  private readonly pending = new Map<string, number>();
  /** Requests that ended without an execution, and when their evidence may go. */
  private readonly ending = new Map<string, number>();
  private readonly retired = new Set<string>();
  private subscription: Subscription | undefined;
  private timer: NodeJS.Timeout | undefined;
  private checking = false;

  constructor(@Inject(RUNTIME) private readonly runtime: ServiceRuntime) {}

  onApplicationBootstrap(): void {
    this.subscription = this.runtime.store.subscribeToAll(-1, (stored) => {
      // The log also holds audit's receipts; only records carry an event to observe.
      if (stored.stream === AUDIT_LOG_STREAM && stored.type === EventTypes.AuditRecord)
        this.observe((stored.data as Envelope<AuditRecordV1>).data.event as unknown as Envelope);
      const decided = requestIdOfCustodyStream(stored.stream);
      if (decided) this.retire(decided);
      return Promise.resolve();
    });
    this.timer = setInterval(() => void this.checkDue(), this.runtime.config.timerMs);
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.subscription?.stop();
  }

  private observe(envelope: Envelope): void {
    const requestId = requestIdOf(envelope);
    if (!requestId || this.retired.has(requestId)) return;
    if (ENDED_WITHOUT_EXECUTION.includes(envelope.type)) this.ending.set(requestId, Date.parse(envelope.time) + COMPLETION_GRACE_MS);
    const events = this.evidence.get(requestId) ?? new Map<string, Envelope>();
    events.set(envelope.id, envelope);
    this.evidence.set(requestId, events);
    const finished = [EventTypes.ExecutionSucceeded, EventTypes.ExecutionFailed, EventTypes.ExecutionInDoubt] as string[];
    if (finished.includes(envelope.type) && !this.pending.has(requestId))
      this.pending.set(requestId, Date.parse(envelope.time) + COMPLETION_GRACE_MS);
    // An approval that cannot be sound (no signed votes behind it, or refused on re-check) is
    // flagged now: no execution will ever come to trigger the check.
    if (mayProveUnproven(envelope) && unprovenApproval([...events.values()]).length > 0) this.pending.set(requestId, 0);
  }

  private async checkDue(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      for (const [requestId, deadline] of this.pending) await this.check(requestId, deadline);
      const now = this.runtime.clock().getTime();
      for (const [requestId, after] of this.ending) if (after <= now && !this.pending.has(requestId)) this.retire(requestId);
    } catch (error) {
      this.runtime.logger.warn(`custody check failed: ${String(error)}`);
    } finally {
      this.checking = false;
    }
  }

  private retire(requestId: string): void {
    this.pending.delete(requestId);
    this.ending.delete(requestId);
    this.evidence.delete(requestId);
    this.retired.add(requestId);
    if (this.retired.size > RETIRED_MEMORY) this.retired.delete(this.retired.values().next().value as string);
  }

  /** Sizes of the in-memory index, for the history bench and tests. */
  sizes(): { evidence: number; pending: number; ending: number; retired: number } {
    return { evidence: this.evidence.size, pending: this.pending.size, ending: this.ending.size, retired: this.retired.size };
  }

  private async check(requestId: string, deadline: number): Promise<void> {
    const now = this.runtime.clock();
    const events = [...(this.evidence.get(requestId)?.values() ?? [])];
    const result = checkCustody(events);
    if (!result.ok && result.incomplete && now.getTime() < deadline) return;
    const done = await this.runtime.runner.run(
      custodyDecider,
      custodyStream(requestId),
      { type: 'CheckCustody', requestId, events, now: now.toISOString() },
      { id: `custody:${requestId}`, now },
    );
    this.retire(requestId);
    if (done[0]?.type === EventTypes.AuditViolation)
      this.runtime.logger.warn(`custody violation for ${requestId}: ${JSON.stringify(done[0].data)}`);
  }
}
