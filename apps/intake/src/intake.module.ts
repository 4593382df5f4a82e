import { Module, type DynamicModule } from '@nestjs/common';
import { serviceModule, type ServiceRuntime } from '@countersign/service-runtime';
import { BudgetGate } from './budget-gate';
import { DeadLettersHandler } from './dead-letters.handler';
import { HttpController } from './http.controller';
import { IntakeService } from './intake.service';
import { SubmissionsHandler } from './submissions.handler';

@Module({})
export class IntakeModule {
  static register(runtime: ServiceRuntime): DynamicModule {
    return serviceModule(IntakeModule, runtime, {
      controllers: [SubmissionsHandler, DeadLettersHandler, HttpController],
      providers: [IntakeService, BudgetGate],
    });
  }
}
