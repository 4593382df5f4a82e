import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { EXECUTION_TOKEN_TYPE, type ExecutionTokenClaims } from '../execution-token';
import { mintExecutionToken } from '../mint';
import type { VerifyExecutionTokenOptions } from '../verify';
import { forge, signWith, type Segment } from './jwt-forgery';

export const EXECUTOR = 'service:executor';
export const TARGET = 'demo-target';

/** Everything an attack needs: the real broker key, strangers' keys and a genuine token. */
export interface TokenFixture {
  now: Date;
  nowSeconds: number;
  broker: { privateKey: KeyObject; publicKey: KeyObject; keyId: string };
  stranger: { privateKey: KeyObject; publicKey: KeyObject };
  rsa: KeyObject;
  ec: KeyObject;
  header: { alg: string; typ: string; kid: string };
  claims: ExecutionTokenClaims;
  validToken: string;
  options: VerifyExecutionTokenOptions;
  /** Signs header and claims with the broker's real key. */
  brokerSigned(header: Segment, claims: Segment): string;
}

export async function createTokenFixture(now = new Date('2026-11-20T10:00:00.000Z')): Promise<TokenFixture> {
  const broker = { ...generateKeyPairSync('ed25519'), keyId: 'service:broker#0123456789abcdef' };
  const input = {
    privateKey: broker.privateKey,
    keyId: broker.keyId,
    requestId: randomUUID(),
    digest: 'ab'.repeat(32),
    target: TARGET,
    executor: EXECUTOR,
    credentialId: randomUUID(),
    notBefore: new Date(now.getTime() - 60_000),
    expiresAt: new Date(now.getTime() + 600_000),
    now,
  };
  const nowSeconds = Math.floor(now.getTime() / 1000);
  return {
    now,
    nowSeconds,
    broker,
    stranger: generateKeyPairSync('ed25519'),
    rsa: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey,
    ec: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
    header: { alg: 'EdDSA', typ: EXECUTION_TOKEN_TYPE, kid: broker.keyId },
    claims: {
      iss: 'service:broker',
      sub: EXECUTOR,
      aud: EXECUTOR,
      jti: input.credentialId,
      iat: nowSeconds,
      nbf: nowSeconds - 60,
      exp: nowSeconds + 600,
      cs_req: input.requestId,
      cs_dig: input.digest,
      cs_tgt: TARGET,
    },
    validToken: await mintExecutionToken(input),
    options: {
      brokerKey: broker.publicKey,
      audience: EXECUTOR,
      now,
      expected: { requestId: input.requestId, digest: input.digest, target: TARGET },
    },
    brokerSigned: (header, claims) => forge(header, claims, signWith(broker.privateKey)),
  };
}

export function claimsWith(fx: TokenFixture, change: Partial<Record<keyof ExecutionTokenClaims, unknown>>): Record<string, unknown> {
  return { ...fx.claims, ...change };
}
