import { Module, type DynamicModule } from '@nestjs/common';
import { ServiceRuntimeModule, type ServiceRuntime } from '@countersign/service-runtime';
import { ExecutorHandlers } from './executor.handlers';
import { ExecutorService } from './executor.service';

@Module({})
export class ExecutorModule {
  static register(runtime: ServiceRuntime): DynamicModule {
    return {
      module: ExecutorModule,
      imports: [ServiceRuntimeModule.forRuntime(runtime)],
      controllers: [ExecutorHandlers],
      providers: [ExecutorService],
    };
  }
}
