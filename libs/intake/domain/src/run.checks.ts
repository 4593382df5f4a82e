import {
  agentContextOf,
  RUN_ATTESTATION_MAX_CLOCK_SKEW_MS,
  RunErrorCodes,
  type AgentContext,
  type FieldError,
  type RequestSubmittedV1,
  type TaskScope,
} from '@countersign/contracts';
import type { HandleSubmission } from './intake.commands';
import type { Checked } from './submission.checks';

/** A run that passed the gate: what the accepted request carries, and the scope the action must fit. */
export interface VerifiedRun {
  agent: AgentContext;
  scope: TaskScope;
}

type RunFacts = Pick<HandleSubmission, 'requester' | 'registration' | 'run' | 'now'>;

const refuse = (code: string, message: string, path = 'run'): { ok: false; errors: FieldError[] } => ({
  ok: false,
  errors: [{ path, code, message }],
});

/**
 * Verification before approval: an agent workload's submission must carry a run attestation that
 * verifies, that the workload signed for itself, that has not expired by intake's clock (never the
 * signer's) and that names one of the workload's registered task scopes. A requester that is no
 * workload has no runs: one that presents a run is refused rather than given an unverifiable scope.
 */
export function checkRun(facts: RunFacts, submitted: RequestSubmittedV1): Checked<VerifiedRun | undefined> {
  const workload = facts.registration?.workload;
  if (!workload) {
    if (submitted.run === undefined) return { ok: true, value: undefined };
    return refuse(RunErrorCodes.RunInvalid, `${facts.requester} is not a registered agent workload, so it has no runs`);
  }
  if (submitted.run === undefined) {
    return refuse(RunErrorCodes.RunRequired, `${facts.requester} is an agent workload: every submission needs a run attestation`);
  }
  // Fail closed: a run the shell did not verify is an invalid run.
  const run = facts.run ?? { ok: false, problem: 'it was not verified' };
  if (!run.ok) return refuse(RunErrorCodes.RunInvalid, `the run attestation does not verify: ${run.problem}`);
  const { signer, attestation } = run;
  if (signer !== facts.requester || attestation.workload !== facts.requester) {
    const message = `the run attestation is signed by ${signer} for ${attestation.workload}, not by ${facts.requester} for itself`;
    return refuse(RunErrorCodes.RunForeign, message);
  }
  const now = Date.parse(facts.now);
  if (Date.parse(attestation.expiresAt) <= now) {
    return refuse(RunErrorCodes.RunExpired, `run ${attestation.runId} expired at ${attestation.expiresAt}`, 'run.data.expiresAt');
  }
  if (Date.parse(attestation.issuedAt) > now + RUN_ATTESTATION_MAX_CLOCK_SKEW_MS) {
    return refuse(
      RunErrorCodes.RunInvalid,
      `run ${attestation.runId} says it was issued at ${attestation.issuedAt}, after ${facts.now}`,
      'run.data.issuedAt',
    );
  }
  const scope = workload.taskScopes.find((candidate) => candidate.name === attestation.taskScope);
  if (!scope) {
    const message = `task scope ${attestation.taskScope} is not one of ${facts.requester}'s registered scopes`;
    return refuse(RunErrorCodes.RunOutOfScope, message, 'run.data.taskScope');
  }
  return { ok: true, value: { agent: agentContextOf(attestation), scope } };
}
