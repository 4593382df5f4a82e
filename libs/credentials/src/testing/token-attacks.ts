import { randomUUID } from 'node:crypto';
import { attack, claims, type AttackCase } from './attack-case';
import { decodeSegment, encodeSegment, flipBit, forge, parts, replacePart, signWith } from './jwt-forgery';

/** Attacks on the signature and on the compact serialisation itself. */
const otherToken = claims(() => ({ cs_req: randomUUID(), jti: randomUUID() }));
const signatures: AttackCase[] = [
  attack('signature first bit flipped', 'bad_signature', (fx) => flipBit(fx.validToken, 2, 0)),
  attack('signature middle bit flipped', 'bad_signature', (fx) => flipBit(fx.validToken, 2, 32)),
  attack('signature last bit flipped', 'bad_signature', (fx) => flipBit(fx.validToken, 2, -1)),
  attack('payload bit flipped', 'bad_signature', (fx) => flipBit(fx.validToken, 1, 10)),
  attack('signature truncated to 63 bytes', 'bad_signature', (fx) =>
    replacePart(fx.validToken, 2, Buffer.from(parts(fx.validToken)[2], 'base64url').subarray(0, 63).toString('base64url')),
  ),
  attack('signature extended by one byte', 'bad_signature', (fx) => `${fx.validToken}A`),
  attack('signature removed', 'bad_signature', (fx) => replacePart(fx.validToken, 2, '')),
  attack('signature taken from another token', 'bad_signature', (fx) => replacePart(fx.validToken, 2, parts(otherToken(fx))[2])),
  attack('payload swapped from another token', 'bad_signature', (fx) => replacePart(fx.validToken, 1, parts(otherToken(fx))[1])),
  attack('digest edited, signature kept', 'bad_signature', (fx) =>
    replacePart(fx.validToken, 1, encodeSegment({ ...decodeSegment(parts(fx.validToken)[1]), cs_dig: 'cd'.repeat(32) })),
  ),
  attack('signed by a non-broker Ed25519 key', 'bad_signature', (fx) => forge(fx.header, fx.claims, signWith(fx.stranger.privateKey))),
  attack(
    'signed by a stranger naming the broker kid',
    'bad_signature',
    (fx) => forge({ ...fx.header, kid: fx.broker.keyId }, fx.claims, signWith(fx.stranger.privateKey)),
    (fx) => ({ brokerKeyId: fx.broker.keyId }),
  ),
];

const structure: AttackCase[] = [
  attack('empty string', 'malformed', () => ''),
  attack('garbage', 'malformed', () => 'not-a-token'),
  attack('two parts', 'malformed', (fx) => parts(fx.validToken).slice(0, 2).join('.')),
  attack('four parts', 'malformed', (fx) => `${fx.validToken}.AAAA`),
  attack('five parts (JWE shape)', 'malformed', () => 'eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d'),
  attack('surrounding whitespace', 'malformed', (fx) => ` ${fx.validToken} `),
  attack('Bearer prefix left on', 'malformed', (fx) => `Bearer ${fx.validToken}`),
  attack('standard base64 characters', 'malformed', (fx) => fx.validToken.replace(/^./, '+')),
  attack('base64 padding', 'malformed', (fx) => replacePart(fx.validToken, 2, `${parts(fx.validToken)[2]}==`)),
  attack(
    'oversized token',
    'malformed',
    claims(() => ({ pad: 'x'.repeat(5000) })),
  ),
  attack('header not JSON', 'malformed', (fx) => replacePart(fx.validToken, 0, encodeSegment('not json'))),
  attack('header a JSON array', 'malformed', (fx) => replacePart(fx.validToken, 0, encodeSegment(['EdDSA']))),
  attack('payload not JSON, broker signed', 'malformed', (fx) => fx.brokerSigned(fx.header, 'not json')),
  attack('payload a JSON array, broker signed', 'malformed', (fx) => fx.brokerSigned(fx.header, [fx.claims])),
  attack('not a string (number)', 'malformed', () => 42),
  attack('not a string (null)', 'malformed', () => null),
];

export const tokenAttacks: readonly AttackCase[] = [...signatures, ...structure];
