import { createSecretKey, generateKeyPairSync } from 'node:crypto';
import { ATTACK_CASES } from './testing/jwt-attack-corpus';
import { claimsWith, createTokenFixture, type TokenFixture } from './testing/token-fixture';
import { verifyExecutionToken } from './verify';

describe('verifyExecutionToken', () => {
  let fx: TokenFixture;
  beforeAll(async () => {
    fx = await createTokenFixture();
  });

  it('accepts the genuine token and returns its claims', async () => {
    await expect(verifyExecutionToken(fx.validToken, fx.options)).resolves.toEqual({ ok: true, claims: fx.claims });
  });

  it('accepts the genuine token with the broker key id pinned', async () => {
    const result = await verifyExecutionToken(fx.validToken, { ...fx.options, brokerKeyId: fx.broker.keyId });
    expect(result.ok).toBe(true);
  });

  it('tolerates clock skew of up to 5 seconds on nbf and exp', async () => {
    const early = fx.brokerSigned(fx.header, claimsWith(fx, { nbf: fx.nowSeconds + 4 }));
    const late = fx.brokerSigned(fx.header, claimsWith(fx, { iat: fx.nowSeconds - 300, exp: fx.nowSeconds - 4 }));
    expect((await verifyExecutionToken(early, fx.options)).ok).toBe(true);
    expect((await verifyExecutionToken(late, fx.options)).ok).toBe(true);
  });

  it('accepts a TTL of exactly 900 seconds', async () => {
    const token = fx.brokerSigned(fx.header, claimsWith(fx, { exp: fx.nowSeconds + 900 }));
    expect((await verifyExecutionToken(token, fx.options)).ok).toBe(true);
  });

  it('has an attack corpus of at least 60 distinct cases', () => {
    expect(ATTACK_CASES.length).toBeGreaterThanOrEqual(60);
    expect(new Set(ATTACK_CASES.map((attack) => attack.name)).size).toBe(ATTACK_CASES.length);
  });

  describe('attack corpus: every case is rejected with its reason', () => {
    it.each(ATTACK_CASES)('$name -> $code', async (attack) => {
      const options = { ...fx.options, ...attack.options?.(fx) };
      const result = await verifyExecutionToken(attack.token(fx), options);
      expect(result).toMatchObject({ ok: false, code: attack.code });
    });
  });

  describe('fails closed when the verifier itself is misconfigured', () => {
    it('refuses an HMAC secret as the broker key', async () => {
      const secret = createSecretKey(Buffer.alloc(32, 1));
      await expect(verifyExecutionToken(fx.validToken, { ...fx.options, brokerKey: secret })).resolves.toMatchObject({
        code: 'invalid_key',
      });
    });

    it('refuses a private key and a non-Ed25519 public key', async () => {
      const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
      for (const brokerKey of [fx.broker.privateKey, rsa]) {
        await expect(verifyExecutionToken(fx.validToken, { ...fx.options, brokerKey })).resolves.toMatchObject({ code: 'invalid_key' });
      }
    });

    it('refuses an invalid clock instead of skipping the time checks', async () => {
      const result = await verifyExecutionToken(fx.validToken, { ...fx.options, now: new Date(Number.NaN) });
      expect(result).toMatchObject({ ok: false, code: 'verification_failed' });
    });

    it('refuses an empty audience', async () => {
      await expect(verifyExecutionToken(fx.validToken, { ...fx.options, audience: '' })).resolves.toMatchObject({ ok: false });
    });

    it('turns an unexpected exception into a rejection', async () => {
      const hostileExpected = Object.defineProperty({}, 'requestId', {
        get() {
          throw new Error('boom');
        },
      });
      const result = await verifyExecutionToken(fx.validToken, { ...fx.options, expected: hostileExpected });
      expect(result).toEqual({ ok: false, code: 'verification_failed', message: 'verification failed: boom' });
    });
  });
});
