import type { ChainCheck } from './chain-check';

/**
 * Send only once `readyToExecute(evidence)` holds: a refusal is final, so claiming on a chain that
 * is merely still arriving would refuse a request that was about to be complete.
 * `claimId` is fresh per attempt (the shell's uuid). Deriving the claim's event id from it, not
 * from the request, matters: two executors appending the same id at 'no_stream' would both be
 * told "idempotent success" by the store and both run the action.
 */
export interface ClaimExecution {
  type: 'ClaimExecution';
  requestId: string;
  claimId: string;
  now: string;
  check: ChainCheck;
}

export type ExecutionOutcome = { ok: true; status: number; summary?: string } | { ok: false; code: string; message: string };

/** What the action adapter reported for the claimed execution. */
export interface RecordOutcome {
  type: 'RecordOutcome';
  requestId: string;
  outcome: ExecutionOutcome;
  now: string;
}

/** Sent at start-up for every execution stream: a claim without a result may or may not have run. */
export interface ReconcileInDoubt {
  type: 'ReconcileInDoubt';
  requestId: string;
  now: string;
}

export type ExecutionCommand = ClaimExecution | RecordOutcome | ReconcileInDoubt;
