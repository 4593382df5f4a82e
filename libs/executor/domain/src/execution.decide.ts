import { EventTypes, deterministicId } from '@countersign/contracts';
import { byCommandType, type Decider } from '@countersign/decider';
import type { ClaimExecution, ExecutionCommand, ReconcileInDoubt, RecordOutcome } from './execution.commands';
import type { ExecutionEvent } from './execution.events';
import { evolveExecution, initialExecutionState, type ExecutionState } from './execution.state';

/** The contract's string limits, applied here so an adapter's verbose error cannot break the schema. */
const clip = (text: string, max: number): string => (text.length > max ? text.slice(0, max) : text);

/** At most one claim: any second attempt, winner or loser of a race, produces nothing. */
function claimExecution({ requestId, claimId, now, check }: ClaimExecution, state: ExecutionState): ExecutionEvent[] {
  if (state.status !== 'unclaimed') return [];
  if (!check.ok) {
    return [
      {
        type: EventTypes.ExecutionRefused,
        id: deterministicId(claimId, 'execution.refused'),
        data: { requestId, code: check.code, message: clip(check.message, 500), refusedAt: now },
      },
    ];
  }
  if (check.requestId !== requestId) throw new Error(`chain checked for ${check.requestId}, claimed for ${requestId} (this is a bug)`);
  const { digest, credentialId } = check;
  return [
    {
      type: EventTypes.ExecutionStarted,
      id: deterministicId(claimId, 'execution.started'),
      data: { requestId, digest, credentialId, startedAt: now },
    },
  ];
}

/** Only a running claim takes a result; after in-doubt a human reconciles, so late results are ignored. */
function recordOutcome({ requestId, outcome, now }: RecordOutcome, state: ExecutionState): ExecutionEvent[] {
  if (state.status !== 'started' || state.started.requestId !== requestId) return [];
  const { digest, credentialId } = state.started;
  if (outcome.ok) {
    const result =
      outcome.summary === undefined ? { status: outcome.status } : { status: outcome.status, summary: clip(outcome.summary, 2000) };
    return [
      {
        type: EventTypes.ExecutionSucceeded,
        id: deterministicId(state.startedEventId, 'execution.succeeded'),
        data: { requestId, digest, credentialId, result, finishedAt: now },
      },
    ];
  }
  const error = { code: clip(outcome.code, 64), message: clip(outcome.message, 2000) };
  return [
    {
      type: EventTypes.ExecutionFailed,
      id: deterministicId(state.startedEventId, 'execution.failed'),
      data: { requestId, digest, credentialId, error, finishedAt: now },
    },
  ];
}

/** A claim with no result after a restart: report it, never run it again. */
function reconcileInDoubt({ requestId, now }: ReconcileInDoubt, state: ExecutionState): ExecutionEvent[] {
  if (state.status !== 'started' || state.started.requestId !== requestId) return [];
  const { digest, credentialId, startedAt } = state.started;
  const reason = `claimed at ${startedAt} but no result was recorded; the action may have run and will not be re-run`;
  return [
    {
      type: EventTypes.ExecutionInDoubt,
      id: deterministicId(state.startedEventId, 'execution.indoubt'),
      data: { requestId, digest, credentialId, reason, detectedAt: now },
    },
  ];
}

export const decideExecution = byCommandType<ExecutionCommand, ExecutionState, ExecutionEvent>({
  ClaimExecution: claimExecution,
  RecordOutcome: recordOutcome,
  ReconcileInDoubt: reconcileInDoubt,
});

export const executionDecider: Decider<ExecutionCommand, ExecutionEvent, ExecutionState> = {
  decide: decideExecution,
  evolve: evolveExecution,
  initialState: initialExecutionState,
};
