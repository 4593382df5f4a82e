import { randomUUID } from 'node:crypto';
import type { NatsConnection } from 'nats';
import { EventTypes, Subjects } from '@countersign/contracts';

export interface Run {
  requests: number;
  concurrency: number;
  seconds: number;
  throughput: number;
  p50: number;
  p99: number;
}

/** Signs a `request.submitted` envelope for a request id (the pipeline's signer or the reference's). */
export type SubmissionSigner = (requestId: string) => { id: string };

export const AUTO_ACTION = {
  kind: 'http.request',
  target: 'demo-staging',
  environment: 'staging',
  parameters: { method: 'POST', path: '/deploy' },
};

export const submissionData = (requestId: string) => ({ requestId, action: AUTO_ACTION, reason: 'bench' });

export const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
export const round = (value: number, digits = 1) => Number(value.toFixed(digits));

/**
 * Submits `count` auto-approved requests, at most `concurrency` in flight, and times each from its
 * publish to the requester's `executed` notification. Any other final outcome aborts the bench.
 */
export async function drive(
  nc: NatsConnection,
  requester: string,
  sign: SubmissionSigner,
  count: number,
  concurrency: number,
): Promise<Run> {
  const sentAt = new Map<string, bigint>();
  const latenciesMs: number[] = [];
  let finished: () => void = () => undefined;
  let failed: (error: Error) => void = () => undefined;
  const allDone = new Promise<void>((resolve, reject) => ((finished = resolve), (failed = reject)));
  let slot: (() => void) | undefined;
  const subscription = nc.subscribe(Subjects.notify(requester), {
    callback: (_error, msg) => {
      const { data } = msg.json<{ data: { requestId: string; outcome: string } }>();
      if (data.outcome === 'failed' || data.outcome === 'rejected') failed(new Error(`request ${data.requestId} ${data.outcome}`));
      const start = sentAt.get(data.requestId);
      if (data.outcome !== 'executed' || start === undefined) return;
      latenciesMs.push(Number(process.hrtime.bigint() - start) / 1e6);
      sentAt.delete(data.requestId);
      slot?.();
      if (latenciesMs.length === count) finished();
    },
  });
  await nc.flush();
  const js = nc.jetstream();
  const started = process.hrtime.bigint();
  for (let next = 0; next < count; next += 1) {
    while (sentAt.size >= concurrency) await new Promise<void>((resolve) => (slot = resolve));
    const requestId = randomUUID();
    const envelope = sign(requestId);
    sentAt.set(requestId, process.hrtime.bigint());
    await js.publish(Subjects.submit(requester), JSON.stringify(envelope), { msgID: envelope.id });
  }
  await allDone;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  subscription.unsubscribe();
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  return { requests: count, concurrency, seconds, throughput: count / seconds, p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

export const SUBMITTED = EventTypes.RequestSubmitted;
