import { attack, header, type AttackCase } from './attack-case';
import { encodeSegment, forge, hmac, replacePart, signWith, unsigned } from './jwt-forgery';
import type { TokenFixture } from './token-fixture';

/** Attacks on the protected header: algorithm choice, key material and typing (RFC 8725 §3.1, §3.11). */
const NONE_SPELLINGS = ['none', 'None', 'NONE', 'nOnE', 'NoNe'];
const algNone: AttackCase[] = NONE_SPELLINGS.flatMap((alg) => [
  attack(`alg ${alg}, no signature`, 'alg_not_allowed', (fx) => forge({ ...fx.header, alg }, fx.claims, unsigned)),
  attack(`alg ${alg}, broker signature kept`, 'alg_not_allowed', (fx) => fx.brokerSigned({ ...fx.header, alg }, fx.claims)),
]);

const publicKeyForms: Record<string, (fx: TokenFixture) => Buffer | string> = {
  'raw public key bytes': (fx) => Buffer.from(fx.broker.publicKey.export({ format: 'jwk' }).x ?? '', 'base64url'),
  'DER public key': (fx) => fx.broker.publicKey.export({ type: 'spki', format: 'der' }),
  'PEM public key': (fx) => fx.broker.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
};
const hmacConfusion: AttackCase[] = (['HS256', 'HS384', 'HS512'] as const).flatMap((alg) =>
  Object.entries(publicKeyForms).map(([form, secret]) =>
    attack(`${alg} keyed with the broker's ${form}`, 'alg_not_allowed', (fx) =>
      forge({ ...fx.header, alg }, fx.claims, hmac(alg, secret(fx))),
    ),
  ),
);

const otherAlgorithms: AttackCase[] = [
  attack('RS256 header over an Ed25519 signature', 'alg_not_allowed', header({ alg: 'RS256' })),
  attack('RS256 signed with an RSA key', 'alg_not_allowed', (fx) => forge({ ...fx.header, alg: 'RS256' }, fx.claims, signWith(fx.rsa))),
  attack('ES256 signed with a P-256 key', 'alg_not_allowed', (fx) => forge({ ...fx.header, alg: 'ES256' }, fx.claims, signWith(fx.ec))),
  attack('alg eddsa in lower case', 'alg_not_allowed', header({ alg: 'eddsa' })),
  attack('alg Ed25519 (not the pinned name)', 'alg_not_allowed', header({ alg: 'Ed25519' })),
  attack('alg missing', 'alg_not_allowed', header({ alg: undefined })),
  attack('alg as an array', 'alg_not_allowed', header({ alg: ['EdDSA'] })),
];

const strangerJwk = (fx: TokenFixture) => fx.stranger.publicKey.export({ format: 'jwk' });
const headerInjection: AttackCase[] = [
  attack('embedded jwk of the signing stranger', 'header_rejected', (fx) =>
    forge({ ...fx.header, jwk: strangerJwk(fx) }, fx.claims, signWith(fx.stranger.privateKey)),
  ),
  attack("embedded jwk of the broker's own key", 'header_rejected', (fx) =>
    fx.brokerSigned({ ...fx.header, jwk: fx.broker.publicKey.export({ format: 'jwk' }) }, fx.claims),
  ),
  attack('jku pointing at an attacker JWKS', 'header_rejected', header({ jku: 'https://attacker.example/jwks.json' })),
  attack('x5u pointing at an attacker certificate', 'header_rejected', header({ x5u: 'https://attacker.example/cert.pem' })),
  attack('x5c certificate chain', 'header_rejected', header({ x5c: ['MIIB'] })),
  attack('crit header', 'header_rejected', header({ crit: ['exp'] })),
  attack('unencoded payload (b64 false)', 'header_rejected', header({ b64: false, crit: ['b64'] })),
  attack('kid missing', 'header_rejected', header({ kid: undefined })),
  attack('kid empty', 'header_rejected', header({ kid: '' })),
  attack('kid as a number', 'header_rejected', header({ kid: 7 })),
  attack('kid path traversal with a pinned key id', 'unknown_key', header({ kid: '../../../dev/null' }), (fx) => ({
    brokerKeyId: fx.broker.keyId,
  })),
  attack('kid of another key with a pinned key id', 'unknown_key', header({ kid: 'service:broker#ffffffffffffffff' }), (fx) => ({
    brokerKeyId: fx.broker.keyId,
  })),
  attack('kid swapped in a genuine token', 'bad_signature', (fx) =>
    replacePart(fx.validToken, 0, encodeSegment({ ...fx.header, kid: 'service:broker#ffffffffffffffff' })),
  ),
];

const typing: AttackCase[] = [
  attack('typ missing', 'wrong_type', header({ typ: undefined })),
  attack('typ JWT', 'wrong_type', header({ typ: 'JWT' })),
  attack('typ at+jwt (an access token)', 'wrong_type', header({ typ: 'at+jwt' })),
  attack('typ with application/ prefix', 'wrong_type', header({ typ: 'application/countersign-exec+jwt' })),
  attack('typ in upper case', 'wrong_type', header({ typ: 'COUNTERSIGN-EXEC+JWT' })),
  attack('typ of another Countersign token kind', 'wrong_type', header({ typ: 'countersign-approval+jwt' })),
];

export const headerAttacks: readonly AttackCase[] = [...algNone, ...hmacConfusion, ...otherAlgorithms, ...headerInjection, ...typing];
