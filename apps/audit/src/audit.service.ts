import { Inject, Injectable } from '@nestjs/common';
import type { Envelope } from '@countersign/contracts';
import { AUDIT_LOG_STREAM, auditLogDecider } from '@countersign/audit-domain';
import { RUNTIME, type ServiceRuntime } from '@countersign/service-runtime';

/**
 * Chains every verified event into the one audit log. Custody checks follow the log itself
 * (CustodyChecks subscribes to the store), so they see each record once, also after a restart.
 */
@Injectable()
export class AuditService {
  constructor(@Inject(RUNTIME) private readonly runtime: ServiceRuntime) {}

  async record(envelope: Envelope): Promise<void> {
    const now = this.runtime.clock();
    await this.runtime.runner.run(
      auditLogDecider,
      AUDIT_LOG_STREAM,
      { type: 'RecordEvent', envelope, recordedAt: now.toISOString() },
      { id: envelope.id, now },
    );
  }
}
