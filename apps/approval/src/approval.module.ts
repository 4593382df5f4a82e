import { Module, type DynamicModule } from '@nestjs/common';
import { serviceModule, type ServiceRuntime } from '@countersign/service-runtime';
import { ApprovalHandlers } from './approval.handlers';
import { ApprovalService } from './approval.service';
import { DeadlineTimer } from './deadline.timer';

@Module({})
export class ApprovalModule {
  static register(runtime: ServiceRuntime): DynamicModule {
    return serviceModule(ApprovalModule, runtime, { controllers: [ApprovalHandlers], providers: [ApprovalService, DeadlineTimer] });
  }
}
