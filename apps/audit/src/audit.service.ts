import { Inject, Injectable } from '@nestjs/common';
import { EventTypes, type Envelope } from '@countersign/contracts';
import { AUDIT_LOG_STREAM, auditLogDecider, requestIdOf } from '@countersign/audit-domain';
import { RUNTIME, type ServiceRuntime } from '@countersign/service-runtime';
import { CustodyChecks } from './custody.checks';

const FINISHED: readonly string[] = [EventTypes.ExecutionSucceeded, EventTypes.ExecutionFailed, EventTypes.ExecutionInDoubt];

/** Chains every verified event into the one audit log, and asks for a custody check when a request ends. */
@Injectable()
export class AuditService {
  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime,
    private readonly custody: CustodyChecks,
  ) {}

  async record(envelope: Envelope): Promise<void> {
    const now = this.runtime.clock();
    const recorded = await this.runtime.runner.run(
      auditLogDecider,
      AUDIT_LOG_STREAM,
      { type: 'RecordEvent', envelope, recordedAt: now.toISOString() },
      { id: envelope.id, now },
    );
    for (const event of recorded) this.custody.observe(event.data.event as unknown as Envelope);
    const requestId = requestIdOf(envelope);
    if (requestId && FINISHED.includes(envelope.type)) this.custody.schedule(requestId, now);
  }
}
