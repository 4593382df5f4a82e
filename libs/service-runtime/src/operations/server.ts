import { Controller, Get, Inject, Module, Res, type INestApplication, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type * as TerminusExports from '@nestjs/terminus';
import type { HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
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
  setHeader(name: string, value: string): unknown;
  end(body: string): unknown;
}

const CHECK_TIMEOUT_MS = 2_000;

type Terminus = typeof TerminusExports;

/**
 * The operations module, built once terminus is loaded. @nestjs/terminus 12 is an ES module only:
 * Node 20.19+ requires it from our CommonJS at run time, but Jest's module runtime cannot, so it is
 * imported where a server starts and not when a spec imports this library (ServiceMetrics alone).
 */
function operationsModule(terminus: Terminus, options: OperationsServerOptions): Type {
  @Controller()
  class OperationsController {
    constructor(
      @Inject(terminus.HealthCheckService) private readonly health: HealthCheckService,
      @Inject(terminus.HealthIndicatorService) private readonly indicators: HealthIndicatorService,
    ) {}

    @Get('health/live')
    @terminus.HealthCheck()
    live() {
      const process = this.indicators.check('process');
      return this.health.check([() => (options.alive() ? process.up() : process.down('cannot recover; restart it'))]);
    }

    @Get('health/ready')
    @terminus.HealthCheck()
    async ready() {
      try {
        const result = await this.health.check(
          options.readiness.map(
            ({ name, check }) =>
              () =>
                this.indicators
                  .check(name)
                  .attempt(({ signal }) => check(signal))
                  .withTimeout(CHECK_TIMEOUT_MS),
          ),
        );
        options.metrics.ready.set(1);
        return result;
      } catch (error) {
        options.metrics.ready.set(0);
        throw error;
      }
    }

    @Get('metrics')
    async metrics(@Res() response: TextResponse): Promise<void> {
      const body = await options.metrics.render();
      // end(), not send(): Express would rewrite the content type's parameters.
      response.setHeader('Content-Type', options.metrics.contentType);
      response.end(body);
    }
  }

  // Failed checks are answered (503 with each check's state), not logged on every probe.
  @Module({ imports: [terminus.TerminusModule.forRoot({ logger: false })], controllers: [OperationsController] })
  class OperationsModule {}
  return OperationsModule;
}

/**
 * Liveness (`/health/live`), readiness (`/health/ready`) and Prometheus metrics (`/metrics`) on the
 * process's own small HTTP port, apart from any API port it serves, so an orchestrator, Compose
 * and Prometheus reach them whatever else the process does (docs/operations.md, "Health and metrics").
 */
export async function startOperationsServer(options: OperationsServerOptions): Promise<INestApplication> {
  // Prometheus sees readiness too, also where nothing probes /health/ready.
  options.metrics.onScrape(async () => options.metrics.ready.set((await allReady(options.readiness)) ? 1 : 0));
  const terminus = await import('@nestjs/terminus');
  const app = await NestFactory.create(operationsModule(terminus, options), { logger: ['warn', 'error'] });
  await app.listen(options.port, options.host);
  const server = app.getHttpServer() as { address(): { port: number } | string | null };
  const address = server.address();
  const host = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
  console.log(`${HEALTH_MARKER} ${options.service} http://${host}:${typeof address === 'object' && address ? address.port : options.port}`);
  return app;
}

/** The operations port and interface for a process that does not read ServiceConfig (the SIEM forwarder). */
export function operationsEndpoint(env: NodeJS.ProcessEnv): { port: number; host: string } {
  const port = Number(env['COUNTERSIGN_HEALTH_PORT'] ?? 0);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`COUNTERSIGN_HEALTH_PORT is not a port: ${String(port)}`);
  return { port, host: env['COUNTERSIGN_HEALTH_HOST'] ?? '127.0.0.1' };
}

/** Every check passes within its timeout (the scrape's view of readiness, without terminus). */
async function allReady(checks: readonly ReadinessCheck[]): Promise<boolean> {
  const results = await Promise.allSettled(checks.map(({ check }) => check(AbortSignal.timeout(CHECK_TIMEOUT_MS))));
  return results.every((result) => result.status === 'fulfilled');
}
