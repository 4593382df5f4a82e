import { Controller, Get, Inject, Module, Res, type DynamicModule, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TerminusModule } from '@nestjs/terminus';
import type { ServiceMetrics } from './metrics';

/** One thing readiness depends on: it resolves (optionally with details) when usable, and throws when not. */
export interface ReadinessCheck {
  name: string;
  check: (signal: AbortSignal) => Promise<Record<string, unknown> | void>;
}

export interface OperationsServerOptions {
  /** `intake`, `channel-slack`, `siem-forwarder`: the `service` label and the start-up line. */
  service: string;
  /** 0 picks a free port; the bound one is printed as `COUNTERSIGN_HEALTH <url>`. */
  port: number;
  host: string;
  metrics: ServiceMetrics;
  /** Liveness: false once the process cannot recover by itself (e.g. its NATS connection closed for good). */
  alive: () => boolean;
  readiness: ReadinessCheck[];
}

/** Printed with the bound URL once the operations port listens; the stack supervisor polls `/health/ready` there. */
export const HEALTH_MARKER = 'COUNTERSIGN_HEALTH';

/** The part of Express's response the metrics route uses (Nest's platform is Express). */
interface TextResponse {
  type(contentType: string): { send(body: string): unknown };
}

const CHECK_TIMEOUT_MS = 2_000;
const OPERATIONS = Symbol('countersign-operations');

@Controller()
class OperationsController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(OPERATIONS) private readonly options: OperationsServerOptions,
  ) {}

  @Get('health/live')
  @HealthCheck()
  live() {
    return this.health.check([
      () => (this.options.alive() ? this.indicators.check('process').up() : this.indicators.check('process').down('cannot recover; restart it')),
    ]);
  }

  @Get('health/ready')
  @HealthCheck()
  async ready() {
    try {
      const result = await this.health.check(
        this.options.readiness.map(({ name, check }) => () =>
          this.indicators
            .check(name)
            .attempt(({ signal }) => check(signal))
            .withTimeout(CHECK_TIMEOUT_MS),
        ),
      );
      this.options.metrics.ready.set(1);
      return result;
    } catch (error) {
      this.options.metrics.ready.set(0);
      throw error;
    }
  }

  @Get('metrics')
  async metrics(@Res() response: TextResponse): Promise<void> {
    const body = await this.options.metrics.render();
    response.type(this.options.metrics.contentType).send(body);
  }
}

@Module({})
class OperationsModule {
  static register(options: OperationsServerOptions): DynamicModule {
    return {
      module: OperationsModule,
      // Failed checks are answered (503 with each check's state), not logged on every probe.
      imports: [TerminusModule.forRoot({ logger: false })],
      controllers: [OperationsController],
      providers: [{ provide: OPERATIONS, useValue: options }],
    };
  }
}

/**
 * Liveness (`/health/live`), readiness (`/health/ready`) and Prometheus metrics (`/metrics`) on the
 * process's own small HTTP port, apart from any API port it serves, so an orchestrator, Compose
 * and Prometheus reach them whatever else the process does (docs/operations.md, "Health and metrics").
 */
export async function startOperationsServer(options: OperationsServerOptions): Promise<INestApplication> {
  const app = await NestFactory.create(OperationsModule.register(options), { logger: ['warn', 'error'] });
  await app.listen(options.port, options.host);
  const address = app.getHttpServer().address() as { port: number } | null;
  const host = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
  console.log(`${HEALTH_MARKER} ${options.service} http://${host}:${address?.port ?? options.port}`);
  return app;
}

/** The operations port and interface for a process that does not read ServiceConfig (the SIEM forwarder). */
export function operationsEndpoint(env: NodeJS.ProcessEnv): { port: number; host: string } {
  const port = Number(env['COUNTERSIGN_HEALTH_PORT'] ?? 0);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`COUNTERSIGN_HEALTH_PORT is not a port: ${String(port)}`);
  return { port, host: env['COUNTERSIGN_HEALTH_HOST'] ?? '127.0.0.1' };
}
