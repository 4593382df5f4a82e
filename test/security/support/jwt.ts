import { createPublicKey } from 'node:crypto';
import type { CredentialIssuedV1, Envelope } from '@countersign/contracts';
import { mintExecutionToken } from '@countersign/credentials';
import { loadTrustStore, seal } from '@countersign/identity';
import type { Stack } from '@countersign/stack';
import { openCredential } from '@countersign/executor/testing';
import { createTokenFixture, forge, signWith, type TokenFixture } from '@countersign/credentials/testing';
import { decryptionKeyOf, signingKeyOf } from './parties';

/**
 * The corpus fixture of libs/credentials, re-keyed with the stack's REAL broker key and the real
 * clock: every case is then exactly what a forger would send to the live executor and target,
 * and a case that is only rejected because of an unknown key proves nothing.
 */
export async function liveTokenFixture(stack: Pick<Stack, 'home'>): Promise<TokenFixture> {
  const now = new Date();
  const base = await createTokenFixture(now);
  const broker = signingKeyOf(stack, 'service:broker');
  const publicKey = createPublicKey(broker.key);
  const { claims } = base;
  const validToken = await mintExecutionToken({
    privateKey: broker.key,
    keyId: broker.keyId,
    requestId: claims.cs_req,
    digest: claims.cs_dig,
    target: claims.cs_tgt,
    executor: claims.aud,
    credentialId: claims.jti,
    notBefore: new Date((claims.nbf ?? 0) * 1000),
    expiresAt: new Date(claims.exp * 1000),
    now,
  });
  return {
    ...base,
    broker: { privateKey: broker.key, publicKey, keyId: broker.keyId },
    header: { ...base.header, kid: broker.keyId },
    validToken,
    options: { ...base.options, brokerKey: publicKey },
    brokerSigned: (header, payload) => forge(header, payload, signWith(broker.key)),
  };
}

/**
 * The executor's own check of a credential (apps/executor/src/credential-opener.ts), fed the token
 * sealed to the executor's real X25519 key, as the broker would deliver it inside CredentialIssued.
 */
export async function executorOpens(
  stack: Pick<Stack, 'home'>,
  fx: TokenFixture,
  token: unknown,
): Promise<{ opened: boolean; error?: string }> {
  const trust = loadTrustStore(stack.home);
  const recipient = trust.activeEncryptionKey('service:executor');
  if (!recipient) throw new Error('the executor has no encryption key');
  const requestId = fx.claims.cs_req;
  const digest = fx.claims.cs_dig;
  const sealed = seal(typeof token === 'string' ? token : JSON.stringify(token), recipient, `${requestId}:${digest}`);
  const issued = { data: { requestId, digest, sealed } } as unknown as Envelope<CredentialIssuedV1>;
  const result = await openCredential(issued, fx.claims.cs_tgt, { decryption: decryptionKeyOf(stack, 'service:executor'), trust }, fx.now);
  return { opened: result.opened, ...(result.error ? { error: result.error } : {}) };
}
