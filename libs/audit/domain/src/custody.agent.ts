import { EventTypes, RunAttestedV1, type AgentContext } from '@countersign/contracts';
import type { CustodyChain, CustodyViolation } from './custody.collect';

const mismatch = (message: string): CustodyViolation => ({ code: 'agent_mismatch', message: message.slice(0, 500) });

/**
 * An accepted request's `agent` must be what the run in the chained submission says, and a
 * submission that carried a run must have been accepted with it: otherwise intake put a workload,
 * run or human on the wire that the requester never signed for (or dropped the one it did). The
 * run's fields are under the requester's own submission signature; its own signature is intake's
 * to verify, so this checks the run's type, signer and data against `agent`.
 */
export function agentViolations({ submitted, accepted }: Pick<CustodyChain, 'submitted' | 'accepted'>): CustodyViolation[] {
  const run = submitted.data.run;
  const agent = accepted.data.agent;
  if (run === undefined)
    return agent === undefined ? [] : [mismatch(`accepted names run ${agent.runId}, but the submission carries no run`)];
  if (agent === undefined) return [mismatch(`submission ${submitted.id} carries a run, but the accepted request names no agent`)];
  const parsed = RunAttestedV1.safeParse(run.data);
  if (run.type !== EventTypes.RunAttested || !parsed.success)
    return [mismatch(`submission ${submitted.id} carries no valid run attestation`)];
  if (run.signer !== submitted.signer) return [mismatch(`the run was signed by ${run.signer}, not by the requester ${submitted.signer}`)];
  const expected: AgentContext = {
    workload: parsed.data.workload,
    runId: parsed.data.runId,
    taskScope: parsed.data.taskScope,
    onBehalfOf: parsed.data.onBehalfOf,
    runExpiresAt: parsed.data.expiresAt,
  };
  const differ = (Object.keys(expected) as (keyof AgentContext)[]).filter((key) => expected[key] !== agent[key]);
  return differ.length === 0 ? [] : [mismatch(`accepted agent differs from the signed run in ${differ.join(', ')}`)];
}
