import fc from 'fast-check';
import { Consumers, subjectMatches, type ServiceName } from '@countersign/contracts';
import type { StoredEvent } from '@countersign/event-store';
import {
  deliverAll,
  deliverInOrder,
  deliveryPlans,
  sortedJson,
  type DeliveryPlan,
  type DeliveryReport,
  type Inbound,
} from '@countersign/testing/redelivery';
import { InProcessService, type InProcessServiceOptions } from './in-process-service';
import { recordHonestFlows, type RecordedFlows, type RecordedMessage } from './recorded-flows';

/** Effects outside the store (calls to a target), fresh for every run. */
export interface EffectProbe {
  env?: Record<string, string>;
  read(): unknown[];
  close(): Promise<void>;
}

export interface RedeliveryCase {
  service: Omit<InProcessServiceOptions, 'home' | 'clock' | 'env'>;
  effects?: () => Promise<EffectProbe>;
  /**
   * What of a stored event two runs must agree on; by default all of it but its store position and
   * wall-clock recording time. Override only to blank values that are random by design, or
   * (returning undefined) to leave out bookkeeping that records the arrival order itself.
   */
  normalize?: (event: StoredEvent) => unknown;
  /**
   * Checks every run's store on its own, e.g. that a hash chain whose order may differ still holds,
   * or that what `normalize` leaves out is still exactly what the delivered messages say.
   */
  check?: (events: StoredEvent[], inbound: readonly RecordedMessage[]) => void;
}

export interface RunResult {
  events: string[];
  effects: string[];
  report: DeliveryReport;
  raw: StoredEvent[];
}

export const comparable = ({ stream, id, type, data, metadata }: StoredEvent) => ({ stream, id, type, data, metadata });

/** The messages a service's consumers receive in one request's flow, in bus order. */
export function inboundOf(flows: RecordedFlows, service: ServiceName, requestId: string): RecordedMessage[] {
  return flows.messages.filter((message) => requestOf(message) === requestId && consumerFor(service, message) !== undefined);
}

export function consumerFor(service: ServiceName, message: RecordedMessage) {
  return Consumers[service].find((spec) => spec.stream === message.stream && subjectMatches(spec.filterSubject, message.subject));
}

function requestOf(message: RecordedMessage): string | undefined {
  const requestId = (message.envelope.data as { requestId?: unknown } | undefined)?.requestId;
  return typeof requestId === 'string' ? requestId : message.envelope.subject;
}

/** After every recorded message: the services saw nothing later, so no deadline has passed. */
export function clockAfter(flows: RecordedFlows): () => Date {
  const last = Math.max(...flows.messages.map((message) => message.timestampNanos / 1e6));
  const now = new Date(Math.ceil(last) + 1_000);
  return () => now;
}

/**
 * Who gets what: each message's consumer, and when it can exist. A message that reached the bus
 * after the service had published an answer to another inbound message may depend on that answer
 * (approvers vote on the digest approval published; an execution result needs the credential the
 * broker issued), so it is not delivered before the service has that answer in its store.
 */
export function inboundPlan(
  flows: RecordedFlows,
  service: ServiceName,
  messages: RecordedMessage[],
  produced: ReadonlySet<string>,
): Inbound[] {
  const inboundIds = new Set(messages.map((message) => message.envelope.id));
  const answers = flows.messages.filter(
    ({ envelope }) => envelope.signer === `service:${service}` && inboundIds.has(envelope.causationid ?? ''),
  );
  return messages.map((message) => {
    const needs = answers.filter((answer) => answer.timestampNanos < message.timestampNanos).map((answer) => answer.envelope.id);
    return { consumer: consumerFor(service, message)!.durable, ready: () => needs.every((id) => produced.has(id)) };
  });
}

/** One run: a fresh service and store, the messages delivered as `plan` says (or once, in order), then its final state. */
export async function runDeliveries(
  flows: RecordedFlows,
  testCase: RedeliveryCase,
  messages: RecordedMessage[],
  plan?: DeliveryPlan,
): Promise<RunResult> {
  const probe = await testCase.effects?.();
  const service = await InProcessService.start({
    ...testCase.service,
    home: flows.home,
    clock: clockAfter(flows),
    ...(probe?.env ? { env: probe.env } : {}),
  });
  try {
    const produced = new Set<string>();
    const deliver = async (index: number, count: number) => {
      const settlement = await service.deliver(messages[index]!, count);
      for (const event of await service.events()) produced.add(event.id);
      return settlement;
    };
    const report = plan
      ? await deliverAll(inboundPlan(flows, testCase.service.service, messages, produced), plan, deliver)
      : await deliverInOrder(messages.length, deliver);
    await service.settled();
    const raw = await service.events();
    testCase.check?.(raw, messages);
    const events = sortedJson(raw.map(testCase.normalize ?? comparable).filter((event) => event !== undefined));
    return { events, effects: sortedJson(probe?.read() ?? []), report, raw };
  } finally {
    await service.close();
    await probe?.close();
  }
}

/**
 * The property: whatever the plan (each message 1-5 times, interleaved as the bus may), the final
 * store and the effects are those of delivering each message once, in order.
 */
export async function checkRedelivery(
  flows: RecordedFlows,
  testCase: RedeliveryCase,
  requestId: string,
  numRuns: number,
): Promise<{ once: RunResult; runs: number; naks: number; /** The most deliveries one run made. */ deliveries: number }> {
  const messages = inboundOf(flows, testCase.service.service, requestId);
  const once = await runDeliveries(flows, testCase, messages);
  let runs = 0;
  let naks = 0;
  let deliveries = 0;
  await fc.assert(
    fc.asyncProperty(deliveryPlans(messages.length), async (plan) => {
      const result = await runDeliveries(flows, testCase, messages, plan);
      runs += 1;
      naks += result.report.naks;
      deliveries = Math.max(deliveries, result.report.deliveries);
      expect(result.report.terminated).toEqual(once.report.terminated);
      expect(result.events).toEqual(once.events);
      expect(result.effects).toEqual(once.effects);
    }),
    { numRuns, ...replayOf(process.env) },
  );
  return { once, runs, naks, deliveries };
}

/**
 * A failing plan again: fast-check prints `seed` and `path` with its counterexample, and
 * REDELIVERY_SEED and REDELIVERY_PATH given those run exactly that plan first.
 */
export function replayOf(env: NodeJS.ProcessEnv): { seed?: number; path?: string; endOnFailure?: boolean } {
  if (!env.REDELIVERY_SEED) return {};
  const seed = Number(env.REDELIVERY_SEED);
  if (!Number.isInteger(seed)) throw new Error(`REDELIVERY_SEED must be fast-check's integer seed, not ${env.REDELIVERY_SEED}`);
  return { seed, ...(env.REDELIVERY_PATH ? { path: env.REDELIVERY_PATH } : {}), endOnFailure: true };
}

/** Runs per flow; REDELIVERY_RUNS raises it for a longer search. */
export const redeliveryRuns = (fallback = 12) => Number(process.env.REDELIVERY_RUNS ?? fallback);

export type FlowName = keyof RecordedFlows['requestIds'];

/**
 * The whole test for one service: record the honest flows once, then check the property on each
 * flow's inbound messages; `expectations` say what the in-order run itself must show.
 */
export function describeRedelivery(testCase: RedeliveryCase, title: string, expectations: (once: RunResult, flow: FlowName) => void) {
  describe(`${testCase.service.service} under redelivery: each message 1-5 times, in any order the bus allows`, () => {
    let flows: RecordedFlows;

    beforeAll(async () => {
      flows = await recordHonestFlows();
    }, 180_000);

    afterAll(() => flows?.remove());

    it.each(['auto', 'twoApprovers'] as const)(
      `${title} (%s flow)`,
      async (flow) => {
        const { once, deliveries } = await checkRedelivery(flows, testCase, flows.requestIds[flow], redeliveryRuns());
        expect(once.report).toMatchObject({ naks: 0, terminated: [] });
        expect(deliveries).toBeGreaterThan(once.report.deliveries);
        expectations(once, flow);
      },
      300_000,
    );
  });
}
