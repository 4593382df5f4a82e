import type { CanonicalAction } from '@countersign/contracts';

/**
 * The execution credential as the adapter sees it: an opaque bearer token for the target and, for
 * system-backed kinds (`postgres.sql`), the secret the broker's issuer sealed with it (e.g. a
 * per-request role's password). The adapter validates `system` itself: it is JSON of its issuer's shape.
 */
export interface ExecutionCredential {
  token: string;
  system?: unknown;
}

export interface ExecutionContext {
  requestId: string;
  digest: string;
  /** Lets the executor cancel on shutdown; an aborted call may still have reached the target. */
  signal?: AbortSignal;
}

export type AdapterResult = { ok: true; status: number; summary?: string } | { ok: false; code: string; message: string };

/**
 * The executor's port to the outside world: one adapter per action kind. An adapter performs the
 * action once and reports; it never retries, because a retry of a non-idempotent effect is exactly
 * what approval-gated execution must not do behind the approvers' backs.
 */
export interface ActionAdapter {
  readonly kind: string;
  execute(action: CanonicalAction, credential: ExecutionCredential, context: ExecutionContext): Promise<AdapterResult>;
}

/**
 * Failures after which the target may or may not have acted (the request may have arrived). The
 * executor records these as in doubt for a human to reconcile instead of as plain failures.
 */
export const UNCERTAIN_FAILURE_CODES: readonly string[] = ['timeout', 'aborted', 'network_error'];

export function mayHaveTakenEffect(result: AdapterResult): boolean {
  return !result.ok && UNCERTAIN_FAILURE_CODES.includes(result.code);
}
