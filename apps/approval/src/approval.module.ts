import { Module, type DynamicModule } from '@nestjs/common';
import { ServiceRuntimeModule, type ServiceRuntime } from '@countersign/service-runtime';
import { ApprovalHandlers } from './approval.handlers';
import { ApprovalService } from './approval.service';
import { DeadlineTimer } from './deadline.timer';

@Module({})
export class ApprovalModule {
  static register(runtime: ServiceRuntime): DynamicModule {
    return {
      module: ApprovalModule,
      imports: [ServiceRuntimeModule.forRuntime(runtime)],
      controllers: [ApprovalHandlers],
      providers: [ApprovalService, DeadlineTimer],
    };
  }
}
