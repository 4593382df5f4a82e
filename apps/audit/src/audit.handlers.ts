import type { INestApplicationContext } from '@nestjs/common';
import { EVENT_TYPES, EventTypes, type Envelope } from '@countersign/contracts';
import { AuditService } from './audit.service';

/**
 * Audit hears every type, so it registers one handler per type rather than a decorator each. A run
 * attestation is never published: it is chained inside the submission that carries it.
 */
const NEVER_HEARD: readonly string[] = [EventTypes.AuditRecord, EventTypes.AuditCheckpoint, EventTypes.RunAttested];
const everyType = Object.keys(EVENT_TYPES).filter((type) => !NEVER_HEARD.includes(type));

export function auditHandlers(app: INestApplicationContext) {
  const audit = app.get(AuditService);
  return everyType.map((type) => ({ pattern: type, handler: (envelope: Envelope) => audit.record(envelope) }));
}
