import { connect, type NatsConnection } from 'nats';
import { EventTypes } from '@countersign/contracts';
import { EnvelopeSigner, loadIdentity } from '@countersign/identity';
import { connectAs, type Stack } from '@countersign/stack';
import { drive, submissionData, type Run, type SubmissionSigner } from './driver';
import type { ReferenceChain } from './reference-chain/chain';
import { cpuMsPerRequest, cpuOf } from './rss';

/** The requester every bench request comes from (auto-approved by the demo policy). */
export const REQUESTER = 'deploy-bot';

/** Where a run's submissions go and how they are signed: the pipeline's stack or the reference chain. */
export interface Target {
  nc: NatsConnection;
  sign: SubmissionSigner;
}

export async function pipelineTarget(stack: Stack): Promise<Target> {
  const nc = await connectAs(stack, `requester-${REQUESTER}`);
  const signer = new EnvelopeSigner(`requester:${REQUESTER}`, loadIdentity(stack.home, `requester:${REQUESTER}`).signing);
  const time = () => new Date().toISOString();
  const sign: SubmissionSigner = (requestId) =>
    signer.sign({
      id: crypto.randomUUID(),
      type: EventTypes.RequestSubmitted,
      subject: requestId,
      time: time(),
      data: submissionData(requestId),
    });
  return { nc, sign };
}

export async function referenceTarget(chain: ReferenceChain): Promise<Target> {
  const nc = await connect({ servers: chain.natsUrl, noAsyncTraces: true });
  const sign: SubmissionSigner = (requestId) => chain.submitter.sign(EventTypes.RequestSubmitted, requestId, submissionData(requestId));
  return { nc, sign };
}

export const run = (target: Target, count: number, concurrency: number): Promise<Run> =>
  drive(target.nc, REQUESTER, target.sign, count, concurrency);

/** A run, and the CPU milliseconds per request each of `pids` spent during it. */
export async function runWithCpu(
  target: Target,
  count: number,
  concurrency: number,
  pids: Record<string, number>,
): Promise<{ result: Run; cpu: Record<string, number> }> {
  const before = cpuOf(pids);
  const result = await run(target, count, concurrency);
  return { result, cpu: cpuMsPerRequest(before, cpuOf(pids), count) };
}
