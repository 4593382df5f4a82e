import { Module, type DynamicModule } from '@nestjs/common';
import { ServiceRuntimeModule, type ServiceRuntime } from '@countersign/service-runtime';
import { AuditService } from './audit.service';
import { CheckpointTimer } from './checkpoint.timer';
import { CustodyChecks } from './custody.checks';

@Module({})
export class AuditModule {
  static register(runtime: ServiceRuntime): DynamicModule {
    return {
      module: AuditModule,
      imports: [ServiceRuntimeModule.forRuntime(runtime)],
      providers: [AuditService, CustodyChecks, CheckpointTimer],
    };
  }
}
