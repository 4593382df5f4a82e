import { HttpRequestAdapter, PaymentTransferAdapter, PostgresSqlAdapter, type ActionAdapter } from '@countersign/action-adapters';

/** How long an adapter waits for a target; after that the action is in doubt, never retried. */
export const ADAPTER_TIMEOUT_MS = 10_000;

/** The registered targets reached over these URL schemes (`http:`), so each adapter sees only its own. */
export function targetsByScheme(targets: Record<string, string>, schemes: readonly string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(targets).filter(([, address]) => schemes.includes(schemeOf(address))));
}

const schemeOf = (address: string): string => {
  try {
    return new URL(address).protocol;
  } catch {
    return 'invalid:';
  }
};

const HTTP = ['http:', 'https:'];
const POSTGRES = ['postgres:', 'postgresql:'];

/**
 * One adapter per action kind the executor can run, each against the registered targets (the
 * targets file) of its own scheme. A kind without an adapter is refused as `unsupported_action`
 * before any claim; a target of a scheme no adapter knows fails start-up.
 */
export function actionAdapters(targets: Record<string, string>, timeoutMs = ADAPTER_TIMEOUT_MS): Map<string, ActionAdapter> {
  const unknown = Object.entries(targets).filter(([, address]) => ![...HTTP, ...POSTGRES].includes(schemeOf(address)));
  if (unknown.length > 0) throw new Error(`targets ${unknown.map(([name]) => name).join(', ')}: base URL must be http(s) or postgres://`);
  const options = { timeoutMs };
  const http = targetsByScheme(targets, HTTP);
  const adapters: ActionAdapter[] = [
    new HttpRequestAdapter(http, options),
    new PaymentTransferAdapter(http, options),
    new PostgresSqlAdapter(targetsByScheme(targets, POSTGRES), options),
  ];
  return new Map(adapters.map((adapter) => [adapter.kind, adapter]));
}
