import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Seconds; decisions are milliseconds normally and seconds when a store or a target is slow. */
const LATENCY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Every Prometheus metric a Countersign process exposes on `/metrics` (docs/operations.md lists
 * them with their meaning). One registry per process, with `service` as a default label, so the
 * shared runtime pieces (transport, store, relay, dead letters, store projection) record into it
 * and no app defines metrics of its own. Gauges that mirror a state are set by whoever owns that
 * state: the store projection, or a collect hook that reads NATS or the relay at scrape time.
 */
export class ServiceMetrics {
  readonly registry = new Registry();

  readonly messagesHandled = new Counter({
    name: 'countersign_messages_handled_total',
    help: 'Bus messages given to a handler, by consumer, event type and outcome (handled, ignored: no handler here, failed: will be retried)',
    labelNames: ['consumer', 'type', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly messagesRefused = new Counter({
    name: 'countersign_messages_refused_total',
    help: 'Refusals this service decided (request.rejected, vote.rejected, credential.refused, execution.refused), by event type and reason code',
    labelNames: ['type', 'reason'] as const,
    registers: [this.registry],
  });

  readonly messagesDeadLettered = new Counter({
    name: 'countersign_messages_deadlettered_total',
    help: 'Messages recorded as dead letters and terminated, by the event type they claimed and the reason code',
    labelNames: ['type', 'reason'] as const,
    registers: [this.registry],
  });

  readonly decisionSeconds = new Histogram({
    name: 'countersign_decision_duration_seconds',
    help: 'Time from taking a verified message to its handler having decided and appended, by event type',
    labelNames: ['type'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly storeAppendSeconds = new Histogram({
    name: 'countersign_store_append_duration_seconds',
    help: 'Event store append latency, by outcome (ok, conflict: a concurrent writer won, error)',
    labelNames: ['outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly relayPublished = new Counter({
    name: 'countersign_relay_published_total',
    help: 'Events the outbox relay published (PubAck received) since the process started',
    registers: [this.registry],
  });

  readonly relayLagEvents = new Gauge({
    name: 'countersign_relay_lag_events',
    help: 'Own events stored but not yet published by the outbox relay (counted up to 10000)',
    registers: [this.registry],
  });

  readonly relayLagSeconds = new Gauge({
    name: 'countersign_relay_lag_seconds',
    help: 'Age of the oldest own event stored but not yet published (0 when none waits)',
    registers: [this.registry],
  });

  readonly consumerPending = new Gauge({
    name: 'countersign_consumer_pending_messages',
    help: 'Messages on the stream not yet delivered to this durable consumer (JetStream num_pending)',
    labelNames: ['consumer'] as const,
    registers: [this.registry],
  });

  readonly consumerAckPending = new Gauge({
    name: 'countersign_consumer_ack_pending_messages',
    help: 'Messages delivered to this durable consumer and not yet acknowledged (JetStream num_ack_pending)',
    labelNames: ['consumer'] as const,
    registers: [this.registry],
  });

  readonly consumerRedelivered = new Gauge({
    name: 'countersign_consumer_redelivered_messages',
    help: 'Messages currently outstanding that were delivered more than once (JetStream num_redelivered)',
    labelNames: ['consumer'] as const,
    registers: [this.registry],
  });

  readonly approvalsPending = new Gauge({
    name: 'countersign_approvals_pending',
    help: 'Approval requests waiting for votes, by policy tier',
    labelNames: ['tier'] as const,
    registers: [this.registry],
  });

  readonly approvalsOldestAge = new Gauge({
    name: 'countersign_approvals_pending_oldest_age_seconds',
    help: 'Age of the oldest approval request still waiting, by policy tier',
    labelNames: ['tier'] as const,
    registers: [this.registry],
  });

  readonly approvalsUnvotedExpiry = new Gauge({
    name: 'countersign_approvals_unvoted_min_seconds_to_expiry',
    help: 'Seconds until the soonest expiry among waiting approval requests with no vote yet, by tier (absent when there is none)',
    labelNames: ['tier'] as const,
    registers: [this.registry],
  });

  readonly credentialsLive = new Gauge({
    name: 'countersign_credentials_live',
    help: 'Credentials issued, not revoked and not yet expired',
    registers: [this.registry],
  });

  readonly executions = new Counter({
    name: 'countersign_executions_total',
    help: 'Executions recorded in the store, by outcome (succeeded, failed, indoubt, refused)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly auditChainLength = new Gauge({
    name: 'countersign_audit_chain_length',
    help: 'Records in the audit hash chain (sequence of the newest audit.record)',
    registers: [this.registry],
  });

  readonly custodyViolations = new Counter({
    name: 'countersign_custody_violations_total',
    help: 'audit.violation events: executed requests whose chain of custody failed',
    registers: [this.registry],
  });

  readonly auditGateWaiting = new Gauge({
    name: 'countersign_audit_gate_waiting_seconds',
    help: 'Age of the oldest approval seen here without audit’s receipt (broker, executor: audit is their gate)',
    registers: [this.registry],
  });

  readonly ready = new Gauge({
    name: 'countersign_ready',
    help: '1 when every readiness check passed (at the last scrape or /health/ready probe), else 0',
    registers: [this.registry],
  });

  /** Called at scrape time before the registry renders: gauges read from NATS, the relay, the projection. */
  private readonly refreshers: Array<() => Promise<void> | void> = [];

  constructor(service: string, defaults = true) {
    this.registry.setDefaultLabels({ service });
    if (defaults) collectDefaultMetrics({ register: this.registry, prefix: 'countersign_process_' });
  }

  onScrape(refresh: () => Promise<void> | void): void {
    this.refreshers.push(refresh);
  }

  async render(): Promise<string> {
    // A refresher that fails (NATS down) leaves its gauges at their last value; the scrape still answers.
    await Promise.allSettled(this.refreshers.map(async (refresh) => refresh()));
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
