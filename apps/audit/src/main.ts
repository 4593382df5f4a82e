import { EVENT_TYPES, EventTypes, type Envelope } from '@countersign/contracts';
import { acceptAuthenticSubmissions, bootstrapService } from '@countersign/service-runtime';
import { AuditModule } from './audit.module';
import { AuditService } from './audit.service';

/** Audit hears every type, so it registers one handler per type rather than a decorator each. */
const everyType = Object.keys(EVENT_TYPES).filter((type) => type !== EventTypes.AuditRecord);

void bootstrapService({
  service: 'audit',
  module: (runtime) => AuditModule.register(runtime),
  verify: acceptAuthenticSubmissions,
  handlers: (app) => {
    const audit = app.get(AuditService);
    return everyType.map((type) => ({ pattern: type, handler: (envelope: Envelope) => audit.record(envelope) }));
  },
});
