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

/** A service's root module: the opened runtime for every handler and timer, and the service's own controllers and providers. */
export function serviceModule(
  module: DynamicModule['module'],
  runtime: ServiceRuntime,
  parts: Pick<DynamicModule, 'controllers' | 'providers'>,
): DynamicModule {
  return { module, imports: [ServiceRuntimeModule.forRuntime(runtime)], ...parts };
}
