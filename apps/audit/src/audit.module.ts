import { Module, type DynamicModule } from '@nestjs/common';
import { serviceModule, type ServiceRuntime } from '@countersign/service-runtime';
import { AuditService } from './audit.service';
import { CheckpointTimer } from './checkpoint.timer';
import { CustodyChecks } from './custody.checks';

@Module({})
export class AuditModule {
  static register(runtime: ServiceRuntime): DynamicModule {
    return serviceModule(AuditModule, runtime, { providers: [AuditService, CustodyChecks, CheckpointTimer] });
  }
}
