import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { ExecutionTokenRefused, mintExecutionToken, type MintExecutionTokenInput } from './mint';
import { verifyExecutionToken } from './verify';

const now = new Date('2026-11-20T10:00:00.500Z');
const broker = generateKeyPairSync('ed25519');

function input(change: Partial<MintExecutionTokenInput> = {}): MintExecutionTokenInput {
  return {
    privateKey: broker.privateKey,
    keyId: 'service:broker#0011223344556677',
    requestId: randomUUID(),
    digest: 'ef'.repeat(32),
    target: 'demo-target',
    executor: 'service:executor',
    credentialId: randomUUID(),
    notBefore: now,
    expiresAt: new Date(now.getTime() + 300_000),
    now,
    ...change,
  };
}

async function refusal(change: Partial<MintExecutionTokenInput>): Promise<string | undefined> {
  try {
    await mintExecutionToken(input(change));
    return undefined;
  } catch (error) {
    return error instanceof ExecutionTokenRefused ? error.code : `unexpected: ${String(error)}`;
  }
}

describe('mintExecutionToken', () => {
  it('mints the documented header and claims', async () => {
    const request = input();
    const token = await mintExecutionToken(request);
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'EdDSA', typ: 'countersign-exec+jwt', kid: request.keyId });
    expect(decodeJwt(token)).toEqual({
      iss: 'service:broker',
      sub: 'service:executor',
      aud: 'service:executor',
      jti: request.credentialId,
      iat: 1795168800,
      nbf: 1795168800,
      exp: 1795169100,
      cs_req: request.requestId,
      cs_dig: request.digest,
      cs_tgt: 'demo-target',
    });
  });

  it('round-trips through the verifier', async () => {
    const request = input();
    const token = await mintExecutionToken(request);
    const result = await verifyExecutionToken(token, {
      brokerKey: broker.publicKey,
      audience: 'service:executor',
      now,
      expected: { requestId: request.requestId, digest: request.digest, target: request.target },
    });
    expect(result.ok).toBe(true);
  });

  it('allows exactly 900 seconds and refuses 900.001', async () => {
    expect(await refusal({ expiresAt: new Date(now.getTime() + 900_000) })).toBeUndefined();
    expect(await refusal({ expiresAt: new Date(now.getTime() + 900_001) })).toBe('ttl_too_long');
  });

  it('refuses an empty or inverted window', async () => {
    expect(await refusal({ expiresAt: now })).toBe('empty_window');
    expect(await refusal({ notBefore: new Date(now.getTime() + 60_000), expiresAt: new Date(now.getTime() + 30_000) })).toBe(
      'empty_window',
    );
  });

  it('refuses a token that would already be expired', async () => {
    expect(await refusal({ notBefore: new Date(now.getTime() - 60_000), expiresAt: new Date(now.getTime() - 1) })).toBe('already_expired');
  });

  it('refuses keys that are not the Ed25519 private key', async () => {
    expect(await refusal({ privateKey: broker.publicKey })).toBe('invalid_key');
    expect(await refusal({ privateKey: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey })).toBe('invalid_key');
    expect(await refusal({ keyId: '' })).toBe('invalid_key');
  });

  it('refuses claims the verifier would reject', async () => {
    expect(await refusal({ digest: 'not-a-digest' })).toBe('invalid_claims');
    expect(await refusal({ credentialId: 'credential-1' })).toBe('invalid_claims');
    expect(await refusal({ target: 'Demo Target' })).toBe('invalid_claims');
    expect(await refusal({ executor: 'executor' })).toBe('invalid_claims');
    expect(await refusal({ now: new Date(Number.NaN) })).toBe('invalid_claims');
  });
});
