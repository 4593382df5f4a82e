import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger, type DynamicModule, type INestApplicationContext, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Server, type CustomTransportStrategy } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import type { JsMsg, NatsConnection } from 'nats';
import { Consumers, subjectMatches, type ConsumerSpec, type Envelope, type ServiceName } from '@countersign/contracts';
import { SqliteEventStore, type StoredEvent } from '@countersign/event-store';
import { EnvelopeSigner, loadIdentity, loadRegistry, loadTrustStore, type Freshness, type Verification } from '@countersign/identity';
import {
  JETSTREAM_TRANSPORT,
  JetStreamErrorFilter,
  seenEventsFor,
  processMessage,
  type JetStreamContext,
  type MessagePolicy,
} from '@countersign/messaging';
import { DecisionRunner, deadLetterSink, loadServiceConfig, ServiceMetrics, type ServiceRuntime } from '@countersign/service-runtime';
import type { Settlement } from '@countersign/testing/redelivery';
import type { RecordedMessage } from './recorded-flows';

export interface InProcessServiceOptions {
  service: ServiceName;
  home: string;
  module: (runtime: ServiceRuntime) => DynamicModule;
  /** A fixed clock makes two runs comparable event for event. */
  clock: () => Date;
  /** As in the service's ServiceDefinition (main.ts). */
  verify?: (runtime: ServiceRuntime) => (bytes: Uint8Array, freshness?: Freshness) => Verification;
  handlers?: (app: INestApplicationContext) => Array<{ pattern: string; handler: (envelope: Envelope) => Promise<void> }>;
  /** Extra environment, e.g. COUNTERSIGN_TARGETS_FILE. */
  env?: Record<string, string>;
}

/**
 * Nest's side of a transport, without a bus: handlers register by @EventPattern as on the real
 * JetStream transport, and a message is dispatched to them the way JetStreamTransport does.
 */
class DirectTransport extends Server implements CustomTransportStrategy {
  override readonly transportId = JETSTREAM_TRANSPORT;
  listen(callback: () => void): void {
    callback();
  }
  close(): void {}
  on(): void {}
  unwrap<T>(): T {
    throw new Error('no bus in an in-process service');
  }
  async dispatch(envelope: Envelope, context: JetStreamContext): Promise<'handled' | 'no_handler'> {
    const handler = this.getHandlerByPattern(envelope.type);
    if (!handler) return 'no_handler';
    const result: unknown = await handler(envelope, context);
    await lastValueFrom(this.transformToObservable(result), { defaultValue: undefined });
    return 'handled';
  }
}

/** Timers (expiry, revocation, custody) must not act between deliveries: an hour never passes here. */
const QUIET_TIMERS_MS = '3600000';
/** How long the store's head must hold still before a run's events are read (see settled). */
const SETTLE_QUIET_MS = 50;
const SETTLE_LIMIT_MS = 10_000;
/** The redelivery property test counts its own deliveries; the dead-letter limit has its own test. */
const UNBOUNDED_DELIVERIES = 1_000_000;
const silent = { log: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * One real service (its Nest module, handlers, deciders and a real SQLite store in a temporary
 * folder) fed messages directly: each delivery goes through the real per-message processing
 * (verify, subject check, replay guard, dispatch, ack/nak/term, dead letters) with no bus around it.
 */
export class InProcessService {
  private constructor(
    readonly runtime: ServiceRuntime,
    private readonly app: INestMicroservice,
    private readonly policy: MessagePolicy,
    private readonly dir: string,
  ) {}

  static async start(options: InProcessServiceOptions): Promise<InProcessService> {
    const dir = mkdtempSync(join(tmpdir(), `countersign-${options.service}-`));
    const config = loadServiceConfig(options.service, {
      COUNTERSIGN_HOME: options.home,
      COUNTERSIGN_DATA_DIR: dir,
      COUNTERSIGN_TIMER_MS: QUIET_TIMERS_MS,
      ...options.env,
    });
    const identityFile = loadIdentity(options.home, config.identity);
    const signer = new EnvelopeSigner(config.identity, identityFile.signing);
    const store = SqliteEventStore.open(join(dir, `${options.service}.sqlite`));
    const runtime: ServiceRuntime = {
      config,
      identityFile,
      signer,
      trust: loadTrustStore(options.home),
      registry: loadRegistry(options.home),
      store,
      checkpoints: store.checkpoints(),
      nc: noBus(),
      runner: new DecisionRunner(store, signer),
      clock: options.clock,
      metrics: new ServiceMetrics(config.service, false),
      logger: new Logger(options.service),
    };
    const transport = new DirectTransport();
    const app = await NestFactory.createMicroservice(options.module(runtime), { strategy: transport, logger: false });
    app.useGlobalFilters(new JetStreamErrorFilter());
    for (const { pattern, handler } of options.handlers?.(app) ?? []) transport.addHandler(pattern, handler, true);
    await app.listen();
    const policy: MessagePolicy = {
      verify: options.verify?.(runtime) ?? ((bytes, freshness) => runtime.trust.verifyBytes(bytes, freshness)),
      deadLetter: deadLetterSink(runtime),
      dispatch: (envelope, context) => transport.dispatch(envelope, context),
      maxDeliver: UNBOUNDED_DELIVERIES,
      backoffMs: [0],
      logger: silent,
      seenEvents: seenEventsFor(store),
    };
    return new InProcessService(runtime, app, policy, dir);
  }

  /** The service's consumer that receives this message on the real bus, if any. */
  consumerOf(message: RecordedMessage): ConsumerSpec | undefined {
    return Consumers[this.runtime.config.service as ServiceName].find(
      (spec) => spec.stream === message.stream && subjectMatches(spec.filterSubject, message.subject),
    );
  }

  /** Hands the message over as its consumer would, `deliveryCount` as JetStream counts it; says how it was settled. */
  async deliver(message: RecordedMessage, deliveryCount: number): Promise<Settlement> {
    const consumer = this.consumerOf(message);
    if (!consumer) throw new Error(`${this.runtime.config.service} has no consumer for ${message.subject}`);
    const delivered = deliveredMessage(message, consumer.durable, deliveryCount);
    await processMessage(delivered.msg, this.policy);
    const settlement = delivered.settlement();
    if (!settlement) throw new Error(`message ${message.stream}#${message.seq} was not settled`);
    return settlement;
  }

  /**
   * Waits until the service's own background work (store subscriptions, due work such as audit's
   * custody checks, which run after the delivery that triggered them has settled) has stopped
   * adding events: the store's head holds still for SETTLE_QUIET_MS.
   */
  async settled(): Promise<void> {
    const deadline = Date.now() + SETTLE_LIMIT_MS;
    for (let head = await this.head(); Date.now() < deadline;) {
      await new Promise((resolve) => setTimeout(resolve, SETTLE_QUIET_MS));
      const now = await this.head();
      if (now === head) return;
      head = now;
    }
    throw new Error(`${this.runtime.config.service} kept adding events for ${SETTLE_LIMIT_MS} ms`);
  }

  private async head(): Promise<number> {
    return (await this.events()).at(-1)?.position ?? -1;
  }

  /** Every event in the service's store, in store order. */
  async events(): Promise<StoredEvent[]> {
    const events: StoredEvent[] = [];
    for (let position = -1; ;) {
      const page = await this.runtime.store.readAll(position, 500);
      if (page.length === 0) return events;
      events.push(...page);
      position = page[page.length - 1]!.position;
    }
  }

  async close(): Promise<void> {
    await this.app.close();
    await this.runtime.store.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** What processMessage touches of a JetStream message, recording how it is settled. */
function deliveredMessage(message: RecordedMessage, consumer: string, deliveryCount: number) {
  let settled: Settlement | undefined;
  const settle = (settlement: Settlement) => {
    settled ??= settlement;
  };
  const msg = {
    data: message.data,
    subject: message.subject,
    info: { stream: message.stream, consumer, streamSequence: message.seq, deliveryCount, timestampNanos: message.timestampNanos },
    working: () => undefined,
    ackAck: () => {
      settle('ack');
      return Promise.resolve(true);
    },
    nak: () => settle('nak'),
    term: () => settle('term'),
  };
  return { msg: msg as unknown as JsMsg, settlement: () => settled };
}

/** A runtime's connection that proves it is never used: the handlers under test must not need the bus. */
function noBus(): NatsConnection {
  return new Proxy({} as NatsConnection, {
    get: (_target, property) => {
      throw new Error(`an in-process service touched the bus (${String(property)})`);
    },
  });
}
