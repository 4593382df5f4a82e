import { acceptAuthenticSubmissions, bootstrapService } from '@countersign/service-runtime';
import { auditHandlers } from './audit.handlers';
import { AuditModule } from './audit.module';

void bootstrapService({
  service: 'audit',
  module: (runtime) => AuditModule.register(runtime),
  verify: acceptAuthenticSubmissions,
  handlers: auditHandlers,
});
