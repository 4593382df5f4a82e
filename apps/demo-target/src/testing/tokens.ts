import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { actionDigest, type CanonicalAction } from '@countersign/contracts';
import { mintExecutionToken, type MintExecutionTokenInput } from '@countersign/credentials';

/** A broker key pair for tests: the demo target honours tokens signed with it. */
export const broker = { ...generateKeyPairSync('ed25519'), keyId: 'service:broker#0011223344556677' };
export const TARGET = 'demo-target';

export interface Minted {
  token: string;
  requestId: string;
  digest: string;
}

/** An execution token for the demo target, valid for five minutes unless `change` says otherwise. */
export async function mint(change: Partial<MintExecutionTokenInput> = {}): Promise<Minted> {
  const now = change.now ?? new Date();
  const input: MintExecutionTokenInput = {
    privateKey: broker.privateKey,
    keyId: broker.keyId,
    requestId: randomUUID(),
    digest: randomUUID().replace(/-/g, '').repeat(2),
    target: TARGET,
    executor: 'service:executor',
    credentialId: randomUUID(),
    notBefore: now,
    expiresAt: new Date(now.getTime() + 300_000),
    now,
    ...change,
  };
  return { token: await mintExecutionToken(input), requestId: input.requestId, digest: input.digest };
}

/**
 * Runs an approved action through a real adapter against the running demo target twice, with one
 * token: the first call succeeds with `summary`, the second is refused (409, the token is single
 * use). Returns the digest, for checking the recorded effect.
 */
export async function expectExecutedExactlyOnce(adapter: AnAdapter, action: CanonicalAction, summary: string): Promise<string> {
  const digest = actionDigest(action);
  const { token } = await mint({ requestId: action.requestId, digest });
  const context = { requestId: action.requestId, digest };
  expect(await adapter.execute(action, { token }, context)).toEqual({ ok: true, status: 200, summary });
  const again = await adapter.execute(action, { token }, context);
  expect(again).toMatchObject({ ok: false, code: 'target_rejected' });
  expect((again as { message?: string }).message).toContain('409');
  return digest;
}

/** An action adapter as this helper uses it (the demo target does not depend on the executor's library). */
interface AnAdapter {
  execute(action: CanonicalAction, credential: { token: string }, context: { requestId: string; digest: string }): Promise<unknown>;
}
