import { acceptAuthenticSubmissions, bootstrapService } from '@countersign/service-runtime';
import { IntakeModule } from './intake.module';

void bootstrapService({
  service: 'intake',
  module: (runtime) => IntakeModule.register(runtime),
  http: true,
  verify: acceptAuthenticSubmissions,
});
