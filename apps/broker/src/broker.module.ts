import { Module, type DynamicModule } from '@nestjs/common';
import { serviceModule, type ServiceRuntime } from '@countersign/service-runtime';
import { ParkedApprovalDeadlines, WindowOpenings } from './audit-gate.timer';
import { BrokerHandlers } from './broker.handlers';
import { BrokerService } from './broker.service';
import { RevocationTimer } from './revocation.timer';

@Module({})
export class BrokerModule {
  static register(runtime: ServiceRuntime): DynamicModule {
    return serviceModule(BrokerModule, runtime, {
      controllers: [BrokerHandlers],
      providers: [BrokerService, RevocationTimer, ParkedApprovalDeadlines, WindowOpenings],
    });
  }
}
