import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { NestFactory } from '@nestjs/core';
import type { MicroserviceOptions } from '@nestjs/microservices';
import type { DynamicModule, INestApplication, INestApplicationContext, INestMicroservice } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Consumers, MAX_ENVELOPE_BYTES, type ConsumerSpec, type Envelope, type ServiceName } from '@countersign/contracts';
import type { Freshness, Verification } from '@countersign/identity';
import { JetStreamErrorFilter, JetStreamTransport, OutboxRelay, seenEventsFor, type UnitOfWork } from '@countersign/messaging';
import { loadChannelConfig, loadServiceConfig, type ServiceConfig } from './config';
import { deadLetterSink } from './dead-letters';
import { AUDIT_GATED, AuditGateWatch, observeDispatch, startServiceOperations } from './operations';
import { createServiceLog, decisionLogOf, useJsonLogs } from './logging';
import { stdoutLogDestination } from './log-destination';
import { openRuntime, type ServiceRuntime } from './runtime';
import { startTracing, traceHttpRequests } from './tracing';

export interface ServiceDefinition {
  service: ServiceName;
  /** The service's Nest module, built around the opened runtime. */
  module: (runtime: ServiceRuntime) => DynamicModule;
  /**
   * Also serve HTTP on COUNTERSIGN_HTTP_PORT: JSON bodies (intake's submission endpoint), or `raw`
   * to keep each request's exact bytes in `req.rawBody` too (Slack signs the raw body).
   */
  http?: boolean | 'raw';
  /** Last touches on the HTTP app before it listens, e.g. an exception filter of the service's own. */
  configureHttp?: (app: INestApplication) => void;
  /** Replaces plain trust-store verification, e.g. to let intake answer invalid submissions itself. */
  verify?: (runtime: ServiceRuntime) => (bytes: Uint8Array, freshness?: Freshness) => Verification;
  /** Handlers registered without decorators, e.g. audit's one handler for every event type. */
  handlers?: (app: INestApplicationContext) => Array<{ pattern: string; handler: (envelope: Envelope) => Promise<void> }>;
}

/** Printed once everything listens; the stack launcher and the e2e tests wait for it. */
export const READY_MARKER = 'COUNTERSIGN_READY';

const BACKOFF_MS = [200, 1_000, 3_000, 10_000];

/**
 * Starts one service as its own process: runtime (identity, store, NATS), the JetStream transport
 * for its durable consumers, the outbox relay, and the Nest app. SIGINT/SIGTERM stop it in reverse
 * order so in-flight messages settle and the store closes cleanly.
 */
export async function bootstrapService(definition: ServiceDefinition): Promise<void> {
  await bootstrap(loadServiceConfig(definition.service), Consumers[definition.service], definition);
}

export type ChannelDefinition = Omit<ServiceDefinition, 'service'> & { channel: string; consumers: ConsumerSpec[] };

/** Starts a channel edge (Slack's) the way services start, as its own identity. */
export async function bootstrapChannel(definition: ChannelDefinition): Promise<void> {
  await bootstrap(loadChannelConfig(definition.channel), definition.consumers, definition);
}

async function bootstrap(config: ServiceConfig, consumers: ConsumerSpec[], definition: Omit<ServiceDefinition, 'service'>): Promise<void> {
  // Structured logs and trace context first, so every line of the process is JSON and in a trace.
  // Every line written at once while starting; batched once ready (log-destination.ts).
  const destination = stdoutLogDestination();
  const log = createServiceLog(config.service, destination);
  useJsonLogs(log);
  const tracing = startTracing(config.service);
  if (tracing.endpoint) log.info({ endpoint: tracing.endpoint }, 'exporting traces over OTLP');
  const runtime = await openRuntime(config, { decisionLog: decisionLogOf(log) });
  const gate = AUDIT_GATED.includes(config.service) ? new AuditGateWatch(runtime.clock) : undefined;
  const transport = new JetStreamTransport({
    connection: runtime.nc,
    consumers,
    verify: definition.verify?.(runtime) ?? ((bytes, freshness) => runtime.trust.verifyBytes(bytes, freshness)),
    deadLetter: deadLetterSink(runtime),
    maxDeliver: config.maxDeliver,
    backoffMs: BACKOFF_MS,
    clock: runtime.clock,
    // Every consumer of external ingress events (intake and audit on submissions, approval and
    // audit on votes) remembers their ids in its own store, so a copy republished after JetStream's
    // duplicate window is refused by each of them, before any state changes, and reported as a
    // dead letter. Audit included: it records the refusal, not a second copy of the event.
    seenEvents: seenEventsFor(runtime.store),
    ...unitOfWork(runtime.store),
    observe: observeDispatch(runtime.metrics, gate),
  });
  const relay = new OutboxRelay({
    name: 'relay',
    identity: config.identity,
    store: runtime.store,
    checkpoints: runtime.checkpoints,
    nc: runtime.nc,
    logger: runtime.logger,
  });
  const operations = await startServiceOperations(runtime, consumers, relay, gate);
  const app = await startApp(definition, runtime, transport);
  await relay.start();
  operations.started();
  const address = definition.http ? ` http=${await (app as INestApplication).getUrl()}` : '';
  console.log(`${READY_MARKER} ${config.service}${address}`);
  destination.buffer(true);
  const heartbeat = startHeartbeat(runtime);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    // Shutdown lines go out at once: a shutdown that hangs ends in SIGKILL, which would lose held ones.
    destination.buffer(false);
    runtime.logger.log(`stopping on ${signal}`);
    clearInterval(heartbeat);
    await app.close();
    await operations.close();
    await relay.stop();
    await runtime.nc.drain();
    await runtime.store.close();
    await tracing.shutdown();
    process.exit(0);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stop(signal));
}

/** Group commit for the transport when the store offers it (SQLite); KurrentDB appends are durable as they resolve. */
function unitOfWork(store: ServiceRuntime['store']): { unitOfWork?: UnitOfWork } {
  if (!store.flush || !store.deferDurability) return {};
  return { unitOfWork: store as Required<Pick<typeof store, 'flush' | 'deferDurability'>> };
}

export const HEALTH_INTERVAL_MS = 5_000;

/**
 * Optional heartbeat (COUNTERSIGN_HEALTH_FILE) for deployments that check a file rather than the
 * operations port's readiness (scripts/healthcheck.js checks it when set): it is rewritten every few
 * seconds while the event loop turns and the NATS connection is open, so it goes stale otherwise.
 */
function startHeartbeat(runtime: ServiceRuntime): NodeJS.Timeout | undefined {
  const file = runtime.config.healthFile;
  if (!file) return undefined;
  const beat = () => {
    if (!runtime.nc.isClosed()) writeFileSync(file, `${new Date().toISOString()}\n`);
  };
  beat();
  const timer = setInterval(beat, HEALTH_INTERVAL_MS);
  timer.unref();
  return timer;
}

async function startApp(
  definition: Omit<ServiceDefinition, 'service'>,
  runtime: ServiceRuntime,
  transport: JetStreamTransport,
): Promise<INestApplication | INestMicroservice> {
  const module = definition.module(runtime);
  if (!definition.http) {
    const microservice = await NestFactory.createMicroservice(module, { strategy: transport, logger: ['log', 'warn', 'error'] });
    microservice.useGlobalFilters(new JetStreamErrorFilter());
    for (const { pattern, handler } of definition.handlers?.(microservice) ?? []) transport.addHandler(pattern, handler, true);
    await microservice.listen();
    return microservice;
  }
  const raw = definition.http === 'raw';
  // Raw: every body stays bytes whatever its content type, so a signature is checked over exactly
  // what was sent and nothing is parsed (or refused by a parser) before the service has seen it.
  const web = await NestFactory.create<NestExpressApplication>(module, {
    logger: ['log', 'warn', 'error'],
    rawBody: raw,
    bodyParser: !raw,
  });
  if (raw) web.useBodyParser('raw', { type: () => true, limit: MAX_ENVELOPE_BYTES });
  else web.useBodyParser('json', { limit: MAX_ENVELOPE_BYTES });
  web.use(traceHttpRequests);
  definition.configureHttp?.(web);
  // A hybrid app's microservice cannot take global filters; its handlers carry @UseFilters instead.
  web.connectMicroservice<MicroserviceOptions>({ strategy: transport });
  for (const { pattern, handler } of definition.handlers?.(web) ?? []) transport.addHandler(pattern, handler, true);
  await web.startAllMicroservices();
  await web.listen(runtime.config.httpPort ?? 0, runtime.config.httpHost);
  return web;
}
