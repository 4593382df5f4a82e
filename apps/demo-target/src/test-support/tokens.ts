import { generateKeyPairSync, randomUUID } from 'node:crypto';
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
