import type { ServiceRuntime } from '@countersign/service-runtime';
import { CredentialIssuers, type CredentialIssuer } from './credential-issuer';
import { PostgresIssuer, postgresAdminsFile } from './postgres-issuer';

export * from './credential-issuer';
export * from './postgres-issuer';

/**
 * Every system-backed issuer the broker runs. Each reads its own standing credentials (never from
 * the registry) lazily, so a broker without them still runs and refuses those kinds `grant_refused`.
 */
export function credentialIssuers(runtime: Pick<ServiceRuntime, 'config'>, env: NodeJS.ProcessEnv = process.env): CredentialIssuers {
  const issuers: CredentialIssuer[] = [new PostgresIssuer(postgresAdminsFile(runtime.config.home, env))];
  return new CredentialIssuers(issuers);
}
