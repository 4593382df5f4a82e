import { Module, type DynamicModule } from '@nestjs/common';
import { serviceModule, type ServiceRuntime } from '@countersign/service-runtime';
import { ExecutorHandlers } from './executor.handlers';
import { ExecutorService } from './executor.service';

@Module({})
export class ExecutorModule {
  static register(runtime: ServiceRuntime): DynamicModule {
    return serviceModule(ExecutorModule, runtime, { controllers: [ExecutorHandlers], providers: [ExecutorService] });
  }
}
