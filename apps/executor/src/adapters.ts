import { HttpRequestAdapter, PaymentTransferAdapter, type ActionAdapter } from '@countersign/action-adapters';

/** How long an adapter waits for a target; after that the action is in doubt, never retried. */
export const ADAPTER_TIMEOUT_MS = 10_000;

/**
 * One adapter per action kind the executor can run, all against the same registered targets
 * (the targets file). A kind without an adapter is refused as `unsupported_action` before any claim.
 */
export function actionAdapters(targets: Record<string, string>, timeoutMs = ADAPTER_TIMEOUT_MS): Map<string, ActionAdapter> {
  const options = { timeoutMs };
  const adapters: ActionAdapter[] = [new HttpRequestAdapter(targets, options), new PaymentTransferAdapter(targets, options)];
  return new Map(adapters.map((adapter) => [adapter.kind, adapter]));
}
