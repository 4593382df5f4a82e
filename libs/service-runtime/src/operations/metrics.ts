import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Seconds; decisions are milliseconds normally and seconds when a store or a target is slow. */
const LATENCY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * How often the event-loop delay histogram (`countersign_process_eventloop_lag_p99_seconds` and
 * kin) samples the loop. prom-client's default, 10 ms, woke every idle service 100 times a second,
 * most of its idle CPU. A stall of a second or more is still always recorded, a shorter one with a
 * chance in proportion to its length; the scrape-time `countersign_process_eventloop_lag_seconds`
 * is unchanged.
 */
const EVENT_LOOP_SAMPLE_MS = 1000;

/** Every metric's name and what it counts: the `# HELP` line Prometheus shows (docs/operations.md repeats them). */
const HELP = {
  countersign_messages_handled_total:
    'Bus messages given to a handler, by consumer, event type and outcome (handled, ignored: no handler here, failed: will be retried)',
  countersign_messages_refused_total:
    'Refusals this service decided (request.rejected, vote.rejected, credential.refused, execution.refused), by event type and reason code',
  countersign_messages_deadlettered_total:
    'Messages recorded as dead letters and terminated, by the event type they claimed and the reason code',
  countersign_decision_duration_seconds: 'Time from taking a verified message to its handler having decided and appended, by event type',
  countersign_store_append_duration_seconds: 'Event store append latency, by outcome (ok, conflict: a concurrent writer won, error)',
  countersign_relay_published_total: 'Events the outbox relay published (PubAck received) since the process started',
  countersign_relay_lag_events: 'Own events stored but not yet published by the outbox relay (counted up to 10000)',
  countersign_relay_lag_seconds: 'Age of the oldest own event stored but not yet published (0 when none waits)',
  countersign_consumer_pending_messages: 'Messages on the stream not yet delivered to this durable consumer (JetStream num_pending)',
  countersign_consumer_ack_pending_messages:
    'Messages delivered to this durable consumer and not yet acknowledged (JetStream num_ack_pending)',
  countersign_consumer_redelivered_messages:
    'Messages currently outstanding that were delivered more than once (JetStream num_redelivered)',
  countersign_approvals_pending: 'Approval requests waiting for votes, by policy tier',
  countersign_approvals_pending_oldest_age_seconds: 'Age of the oldest approval request still waiting, by policy tier',
  countersign_approvals_unvoted_min_seconds_to_expiry:
    'Seconds until the soonest expiry among waiting approval requests with no vote yet, by tier (absent when there is none)',
  countersign_credentials_live: 'Credentials issued, not revoked and not yet expired',
  countersign_executions_total: 'Executions recorded in the store, by outcome (succeeded, failed, indoubt, refused)',
  countersign_audit_chain_length: 'Records in the audit hash chain (sequence of its head, from the log audit folds)',
  countersign_custody_violations_total: 'audit.violation events: executed requests whose chain of custody failed',
  countersign_audit_gate_waiting_seconds:
    'Age of the oldest approval seen here without audit’s receipt (broker, executor: audit is their gate)',
  countersign_ready: '1 when every readiness check passed (at the last scrape or /health/ready probe), else 0',
} as const;

type MetricName = keyof typeof HELP;

/**
 * Every Prometheus metric a Countersign process exposes on `/metrics` (docs/operations.md lists
 * them with their meaning). One registry per process, with `service` as a default label, so the
 * shared runtime pieces (transport, store, relay, dead letters, store projection) record into it
 * and no app defines metrics of its own. Gauges that mirror a state are set by whoever owns that
 * state: the store projection, or a collect hook that reads NATS or the relay at scrape time.
 */
export class ServiceMetrics {
  readonly registry = new Registry();

  readonly messagesHandled = this.counter('countersign_messages_handled_total', ['consumer', 'type', 'outcome']);
  readonly messagesRefused = this.counter('countersign_messages_refused_total', ['type', 'reason']);
  readonly messagesDeadLettered = this.counter('countersign_messages_deadlettered_total', ['type', 'reason']);
  readonly decisionSeconds = this.histogram('countersign_decision_duration_seconds', ['type']);
  readonly storeAppendSeconds = this.histogram('countersign_store_append_duration_seconds', ['outcome']);
  readonly relayPublished = this.counter('countersign_relay_published_total');
  readonly relayLagEvents = this.gauge('countersign_relay_lag_events');
  readonly relayLagSeconds = this.gauge('countersign_relay_lag_seconds');
  readonly consumerPending = this.gauge('countersign_consumer_pending_messages', ['consumer']);
  readonly consumerAckPending = this.gauge('countersign_consumer_ack_pending_messages', ['consumer']);
  readonly consumerRedelivered = this.gauge('countersign_consumer_redelivered_messages', ['consumer']);
  readonly approvalsPending = this.gauge('countersign_approvals_pending', ['tier']);
  readonly approvalsOldestAge = this.gauge('countersign_approvals_pending_oldest_age_seconds', ['tier']);
  readonly approvalsUnvotedExpiry = this.gauge('countersign_approvals_unvoted_min_seconds_to_expiry', ['tier']);
  readonly credentialsLive = this.gauge('countersign_credentials_live');
  readonly executions = this.counter('countersign_executions_total', ['outcome']);
  readonly auditChainLength = this.gauge('countersign_audit_chain_length');
  readonly custodyViolations = this.counter('countersign_custody_violations_total');
  readonly auditGateWaiting = this.gauge('countersign_audit_gate_waiting_seconds');
  readonly ready = this.gauge('countersign_ready');

  /** Called at scrape time before the registry renders: gauges read from NATS, the relay, the projection. */
  private readonly refreshers: Array<() => Promise<void> | void> = [];

  constructor(service: string, defaults = true) {
    this.registry.setDefaultLabels({ service });
    if (defaults)
      collectDefaultMetrics({
        register: this.registry,
        prefix: 'countersign_process_',
        eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS,
      });
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

  // One place that gives a metric its help text and registers it here (latencies share one bucket set).
  private counter<L extends string>(name: MetricName, labelNames: readonly L[] = []): Counter<L> {
    return new Counter({ name, help: HELP[name], labelNames, registers: [this.registry] });
  }

  private gauge<L extends string>(name: MetricName, labelNames: readonly L[] = []): Gauge<L> {
    return new Gauge({ name, help: HELP[name], labelNames, registers: [this.registry] });
  }

  private histogram<L extends string>(name: MetricName, labelNames: readonly L[] = []): Histogram<L> {
    return new Histogram({ name, help: HELP[name], labelNames, buckets: LATENCY_BUCKETS, registers: [this.registry] });
  }
}
