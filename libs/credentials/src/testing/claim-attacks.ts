import { randomUUID } from 'node:crypto';
import { attack, claims, missing, type AttackCase } from './attack-case';

/** Attacks on the claims, each re-signed by the real broker key so only the claim check can stop it. */
const parties: AttackCase[] = [
  attack(
    'iss service:approval',
    'wrong_issuer',
    claims(() => ({ iss: 'service:approval' })),
  ),
  attack(
    'iss with trailing space',
    'wrong_issuer',
    claims(() => ({ iss: 'service:broker ' })),
  ),
  attack('iss missing', 'missing_claim', missing('iss')),
  attack(
    'aud service:audit',
    'wrong_audience',
    claims(() => ({ aud: 'service:audit' })),
  ),
  attack(
    'aud service:broker',
    'wrong_audience',
    claims(() => ({ aud: 'service:broker' })),
  ),
  attack(
    'aud as an array including us',
    'invalid_claims',
    claims(() => ({ aud: ['service:executor', 'service:audit'] })),
  ),
  attack('aud missing', 'missing_claim', missing('aud')),
  attack(
    'sub service:intake',
    'wrong_subject',
    claims(() => ({ sub: 'service:intake' })),
  ),
  attack('sub missing', 'missing_claim', missing('sub')),
  attack(
    'token for service:executor presented to service:audit',
    'wrong_audience',
    (fx) => fx.validToken,
    () => ({ audience: 'service:audit' }),
  ),
];

const time: AttackCase[] = [
  attack(
    'expired ten minutes ago',
    'expired',
    claims((fx) => ({ iat: fx.nowSeconds - 1200, nbf: fx.nowSeconds - 1200, exp: fx.nowSeconds - 600 })),
  ),
  attack(
    'expired just beyond the clock tolerance',
    'expired',
    claims((fx) => ({ iat: fx.nowSeconds - 300, exp: fx.nowSeconds - 6 })),
  ),
  attack(
    'nbf a minute in the future',
    'not_yet_valid',
    claims((fx) => ({ nbf: fx.nowSeconds + 60 })),
  ),
  attack(
    'iat a minute in the future',
    'issued_in_future',
    claims((fx) => ({ iat: fx.nowSeconds + 60 })),
  ),
  attack(
    'iat an hour old',
    'expired',
    claims((fx) => ({ iat: fx.nowSeconds - 3600, nbf: fx.nowSeconds - 3600 })),
  ),
  attack('exp missing', 'missing_claim', missing('exp')),
  attack('nbf missing', 'missing_claim', missing('nbf')),
  attack('iat missing', 'missing_claim', missing('iat')),
  attack(
    'exp as a string',
    'invalid_claims',
    claims((fx) => ({ exp: String(fx.nowSeconds + 600) })),
  ),
  attack(
    'exp fractional',
    'invalid_claims',
    claims((fx) => ({ exp: fx.nowSeconds + 600.5 })),
  ),
  attack(
    'exp equal to nbf',
    'invalid_claims',
    claims((fx) => ({ nbf: fx.nowSeconds + 3, exp: fx.nowSeconds + 3 })),
  ),
  attack(
    'TTL of 901 seconds',
    'ttl_too_long',
    claims((fx) => ({ exp: fx.nowSeconds + 901 })),
  ),
  attack(
    'TTL of one day',
    'ttl_too_long',
    claims((fx) => ({ exp: fx.nowSeconds + 86_400 })),
  ),
];

const scope: AttackCase[] = [
  attack('jti missing', 'missing_claim', missing('jti')),
  attack('cs_req missing', 'missing_claim', missing('cs_req')),
  attack('cs_dig missing', 'missing_claim', missing('cs_dig')),
  attack('cs_tgt missing', 'missing_claim', missing('cs_tgt')),
  attack(
    'jti not a UUID',
    'invalid_claims',
    claims(() => ({ jti: 'credential-1' })),
  ),
  attack(
    'cs_dig in upper case hex',
    'invalid_claims',
    claims((fx) => ({ cs_dig: fx.claims.cs_dig.toUpperCase() })),
  ),
  attack(
    'cs_req not a UUID',
    'invalid_claims',
    claims(() => ({ cs_req: 'request-1' })),
  ),
  attack(
    'an extra scope claim',
    'invalid_claims',
    claims(() => ({ scope: 'admin' })),
  ),
  attack(
    'minted for another request',
    'request_mismatch',
    claims(() => ({ cs_req: randomUUID() })),
  ),
  attack(
    'minted for another digest',
    'digest_mismatch',
    claims(() => ({ cs_dig: 'cd'.repeat(32) })),
  ),
  attack(
    'minted for another target',
    'target_mismatch',
    claims(() => ({ cs_tgt: 'payments' })),
  ),
];

export const claimAttacks: readonly AttackCase[] = [...parties, ...time, ...scope];
