import { join } from 'node:path';
import type { CredentialIssuedV1, Envelope } from '@countersign/contracts';
import { open } from '@countersign/identity';
import { REPO_ROOT, spawnManaged, type ManagedChild, type Stack } from '@countersign/stack';
import { decryptionKeyOf, stackLog } from './parties';

/**
 * The execution token inside a CredentialIssued, opened with the executor's private key: what a
 * thief who got into the executor (or its memory) would hold. The bus only ever carries it sealed.
 */
export function stolenToken(stack: Pick<Stack, 'home'>, issued: Envelope<CredentialIssuedV1>): string {
  const { sealed, requestId, digest } = issued.data;
  return open(sealed, decryptionKeyOf(stack, 'service:executor'), `${requestId}:${digest}`);
}

/** One call to the demo target exactly as the executor's adapter makes it: bearer token plus binding headers. */
export async function presentToken(
  stack: Pick<Stack, 'demoTargetUrl'>,
  token: string,
  binding: { requestId: string; digest: string },
): Promise<{ status: number; error?: string }> {
  const response = await fetch(`${stack.demoTargetUrl}/deploy`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'x-countersign-request': binding.requestId,
      'x-countersign-digest': binding.digest,
      'content-type': 'application/json',
    },
    body: '{}',
  });
  const body = (await response.json().catch(() => ({}))) as { error?: string };
  return { status: response.status, ...(body.error ? { error: body.error } : {}) };
}

/**
 * A second executor process on the same durable consumers and the same store: two consumers
 * racing for the same credential, which only the execution claim can settle.
 */
export async function startSecondExecutor(stack: Pick<Stack, 'home' | 'natsUrl' | 'policyFile'>): Promise<ManagedChild> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    COUNTERSIGN_HOME: stack.home,
    COUNTERSIGN_NATS_URL: stack.natsUrl,
    COUNTERSIGN_POLICY_FILE: stack.policyFile,
    COUNTERSIGN_STORE: 'sqlite',
    COUNTERSIGN_TIMER_MS: '200',
  };
  const child = spawnManaged(
    'executor-2',
    [join(REPO_ROOT, 'scripts', 'service.js'), 'executor'],
    env,
    /COUNTERSIGN_READY/,
    stackLog ?? (() => undefined),
    REPO_ROOT,
  );
  await child.ready;
  return child;
}
