import { acceptAuthenticSubmissions, bootstrapService, RUNTIME, type ServiceRuntime } from '@countersign/service-runtime';
import { HttpErrorsFilter } from './http-errors.filter';
import { IntakeModule } from './intake.module';
import { outcomeHandlers } from './outcomes.handlers';

void bootstrapService({
  service: 'intake',
  module: (runtime) => IntakeModule.register(runtime),
  // Raw: the body stays bytes (limited to MAX_ENVELOPE_BYTES by the parser), so HTTP submissions
  // pass the same size, UTF-8 and depth checks as NATS ones before anything parses them.
  http: 'raw',
  configureHttp: (app) => app.useGlobalFilters(new HttpErrorsFilter(app.get<ServiceRuntime>(RUNTIME).logger)),
  verify: acceptAuthenticSubmissions,
  handlers: outcomeHandlers,
});
