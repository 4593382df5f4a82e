import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { EventTypes, type AuditRecordV1, type Envelope } from '@countersign/contracts';
import {
  AUDIT_LOG_STREAM,
  checkCustody,
  custodyDecider,
  custodyStream,
  mayProveUnproven,
  requestIdOf,
  unprovenApproval,
} from '@countersign/audit-domain';
import type { Subscription } from '@countersign/event-store';
import { RUNTIME, type ServiceRuntime } from '@countersign/service-runtime';

/** Submissions and votes arrive on other consumers than execution results; wait this long for them. */
const COMPLETION_GRACE_MS = 30_000;

/**
 * Checks each finished request's chain of custody once its evidence is in. The per-request index is
 * rebuilt from audit's own log on start, so a restart forgets neither evidence nor pending checks.
 */
@Injectable()
export class CustodyChecks implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly evidence = new Map<string, Map<string, Envelope>>();
  private readonly pending = new Map<string, number>();
  private subscription: Subscription | undefined;
  private timer: NodeJS.Timeout | undefined;
  private checking = false;

  constructor(@Inject(RUNTIME) private readonly runtime: ServiceRuntime) {}

  onApplicationBootstrap(): void {
    this.subscription = this.runtime.store.subscribeToAll(-1, (stored) => {
      // The log also holds audit's receipts; only records carry an event to observe.
      if (stored.stream === AUDIT_LOG_STREAM && stored.type === EventTypes.AuditRecord)
        this.observe((stored.data as Envelope<AuditRecordV1>).data.event as unknown as Envelope);
      if (stored.stream.startsWith('custody-')) this.pending.delete(stored.stream.slice('custody-'.length));
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
    if (!requestId) return;
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
    } catch (error) {
      this.runtime.logger.warn(`custody check failed: ${String(error)}`);
    } finally {
      this.checking = false;
    }
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
    this.pending.delete(requestId);
    if (done[0]?.type === EventTypes.AuditViolation)
      this.runtime.logger.warn(`custody violation for ${requestId}: ${JSON.stringify(done[0].data)}`);
  }
}
