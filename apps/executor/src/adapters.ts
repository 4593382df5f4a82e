import {
  HttpRequestAdapter,
  PaymentTransferAdapter,
  SshCommandAdapter,
  type ActionAdapter,
  type SshTargetRegistration,
} from '@countersign/action-adapters';

/** How long an adapter waits for a target; after that the action is in doubt, never retried. */
export const ADAPTER_TIMEOUT_MS = 10_000;

/**
 * One adapter per action kind the executor can run, all against the same registered targets
 * (the targets file; SSH targets, `ssh://`, with their registry settings: principals and the
 * pinned host key). A kind without an adapter is refused as `unsupported_action` before any claim.
 */
export function actionAdapters(
  targets: Record<string, string>,
  timeoutMs = ADAPTER_TIMEOUT_MS,
  registered: readonly SshTargetRegistration[] = [],
): Map<string, ActionAdapter> {
  const options = { timeoutMs };
  const http = Object.fromEntries(Object.entries(targets).filter(([, address]) => !address.startsWith('ssh://')));
  const adapters: ActionAdapter[] = [
    new HttpRequestAdapter(http, options),
    new PaymentTransferAdapter(http, options),
    new SshCommandAdapter(registered, options),
  ];
  return new Map(adapters.map((adapter) => [adapter.kind, adapter]));
}
