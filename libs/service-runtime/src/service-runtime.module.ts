import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { ServiceRuntime } from './runtime';

/** Injection token for the opened runtime; handlers and timers take it in their constructors. */
export const RUNTIME = Symbol('countersign-service-runtime');

@Global()
@Module({})
export class ServiceRuntimeModule {
  static forRuntime(runtime: ServiceRuntime): DynamicModule {
    return { module: ServiceRuntimeModule, providers: [{ provide: RUNTIME, useValue: runtime }], exports: [RUNTIME] };
  }
}
