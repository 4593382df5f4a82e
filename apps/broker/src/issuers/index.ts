import type { ServiceRuntime } from '@countersign/service-runtime';
import { CredentialIssuers, type CredentialIssuer } from './credential-issuer';

export * from './credential-issuer';

/**
 * Every system-backed issuer the broker runs. Each reads its own standing credentials (never from
 * the registry) lazily, so a broker without them still runs and refuses those kinds `grant_refused`.
 */
export function credentialIssuers(runtime: ServiceRuntime, env: NodeJS.ProcessEnv = process.env): CredentialIssuers {
  const issuers: CredentialIssuer[] = [];
  void runtime;
  void env;
  return new CredentialIssuers(issuers);
}
