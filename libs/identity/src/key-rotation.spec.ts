import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventTypes } from '@countersign/contracts';
import { keyStanding } from './key-standing';
import { generateKeyPair, type StoredKeyPair } from './keys';
import { keepRetiredKeys, rotateIdentityKeys, rotateTrustedKeys } from './rotation';
import { EnvelopeSigner } from './signing';
import { ReloadingTrustStore } from './trust-reload';
import { TrustStore, type TrustStoreDocument } from './trust-store';

const RETIRED_AT = '2026-11-21T10:00:00.000Z';
const before = new Date('2026-11-21T09:59:59.999Z');
const atRetirement = new Date(RETIRED_AT);
const after = new Date('2026-11-21T10:00:01.000Z');

describe('keyStanding: the one rule for retired and revoked keys', () => {
  it('given an active key, when any event is judged, then it stands, witnessed or not', () => {
    expect(keyStanding('k', { status: 'active' }, undefined)).toEqual({ ok: true });
  });

  it('given a revoked key, when even an old event is judged, then it is refused revoked_key', () => {
    expect(keyStanding('k', { status: 'revoked' }, before)).toEqual({ ok: false, code: 'revoked_key', message: 'key k is revoked' });
  });

  it('given a retired key, when the event was witnessed before retiredAt, then it stands', () => {
    expect(keyStanding('k', { status: 'retired', retiredAt: RETIRED_AT }, before)).toEqual({ ok: true });
  });

  it.each([
    ['at the retirement instant', atRetirement],
    ['after it', after],
  ])('given a retired key, when the event was witnessed %s, then it is refused retired_key', (_, witnessed) => {
    expect(keyStanding('k', { status: 'retired', retiredAt: RETIRED_AT }, witnessed)).toEqual({
      ok: false,
      code: 'retired_key',
      message: `key k was retired at ${RETIRED_AT}; the event was witnessed at ${witnessed.toISOString()}`,
    });
  });

  it('given a retired key, when no one witnessed the event (or the time is invalid), then it is refused (fail closed)', () => {
    const retired = { status: 'retired', retiredAt: RETIRED_AT } as const;
    expect(keyStanding('k', retired, undefined)).toMatchObject({ ok: false, code: 'retired_key' });
    expect(keyStanding('k', retired, new Date('not a date'))).toMatchObject({ ok: false, code: 'retired_key' });
    expect(keyStanding('k', { status: 'retired' }, before)).toMatchObject({ ok: false, code: 'retired_key' });
  });
});

const APPROVER = 'approver:alice';
const oldPair = generateKeyPair('ed25519', APPROVER);

const documentWith = (pair: StoredKeyPair): TrustStoreDocument => ({
  version: 1,
  environment: 'test',
  identities: [{ id: APPROVER, signingKeys: [{ keyId: pair.keyId, publicKey: pair.publicKey, status: 'active' }], encryptionKeys: [] }],
});

/** The vote's own `time` claims long before the retirement: it must not matter. */
const vote = (pair: StoredKeyPair) =>
  new EnvelopeSigner(APPROVER, pair).sign({
    id: randomUUID(),
    type: EventTypes.VoteCast,
    subject: randomUUID(),
    time: '2020-01-01T00:00:00.000Z',
    data: { requestId: randomUUID(), digest: 'ab'.repeat(32), renderingDigest: 'cd'.repeat(32), decision: 'approve' },
  });

describe('TrustStore after a rotation', () => {
  const newPair = generateKeyPair('ed25519', APPROVER);
  const rotated = rotateTrustedKeys(documentWith(oldPair), {
    published: { id: APPROVER, signing: { keyId: newPair.keyId, algorithm: 'ed25519', publicKey: newPair.publicKey } },
    retireAt: RETIRED_AT,
  });
  const trust = new TrustStore(rotated);

  it('given a rotation, then the new key is active and the old one retired at retireAt', () => {
    expect(rotated.identities[0]!.signingKeys).toEqual([
      { keyId: oldPair.keyId, publicKey: oldPair.publicKey, status: 'retired', retiredAt: RETIRED_AT },
      { keyId: newPair.keyId, publicKey: newPair.publicKey, status: 'active' },
    ]);
    expect(trust.activeSigningKey(APPROVER)?.keyId).toBe(newPair.keyId);
  });

  it('given an old-key event witnessed before the retirement, when verified, then it verifies', () => {
    expect(trust.verify(vote(oldPair), undefined, before)).toMatchObject({ ok: true });
  });

  it('given an old-key event witnessed after the retirement, when verified, then it is refused retired_key whatever time it claims', () => {
    expect(trust.verify(vote(oldPair), undefined, after)).toMatchObject({ ok: false, code: 'retired_key', claimedSigner: APPROVER });
    expect(trust.verify(vote(oldPair))).toMatchObject({ ok: false, code: 'retired_key' });
  });

  it('given the bus arrival time as freshness.now, then it is the witness', () => {
    expect(trust.verify(vote(oldPair), { now: after, maxSkewMs: Number.MAX_SAFE_INTEGER })).toMatchObject({ code: 'retired_key' });
  });

  it('given a new-key event, when verified at any time, then it verifies', () => {
    expect(trust.verify(vote(newPair), undefined, after)).toMatchObject({ ok: true });
  });

  it('given a token naming a key, when looked up for an identity, then only a key of that identity standing then is returned', () => {
    expect(trust.signingKeyFor(APPROVER, oldPair.keyId, before)?.keyId).toBe(oldPair.keyId);
    expect(trust.signingKeyFor(APPROVER, oldPair.keyId, after)).toBeUndefined();
    expect(trust.signingKeyFor('service:broker', newPair.keyId, after)).toBeUndefined();
    expect(trust.signingKeyFor(APPROVER, 'approver:alice#0000000000000000', before)).toBeUndefined();
  });

  it('given a retired key without retiredAt, when the store is parsed, then it is refused', () => {
    const broken = { ...rotated, identities: [{ ...rotated.identities[0]!, signingKeys: [{ ...oldPair, status: 'retired' }] }] };
    expect(() => TrustStore.parse(broken)).toThrow(/retiredAt/);
  });

  it('given a public key file naming a key id that is not its key, when rotating, then it refuses', () => {
    const other = generateKeyPair('ed25519', APPROVER);
    const published = { id: APPROVER, signing: { keyId: other.keyId, algorithm: 'ed25519' as const, publicKey: newPair.publicKey } };
    expect(() => rotateTrustedKeys(documentWith(oldPair), { published, retireAt: RETIRED_AT })).toThrow(/not the key id/);
  });

  it('given the same key again, when rotating, then it refuses', () => {
    const published = { id: APPROVER, signing: { keyId: oldPair.keyId, algorithm: 'ed25519' as const, publicKey: oldPair.publicKey } };
    expect(() => rotateTrustedKeys(documentWith(oldPair), { published, retireAt: RETIRED_AT })).toThrow(/already in the trust store/);
  });
});

describe('rotateIdentityKeys', () => {
  it('given an executor, when its encryption key rotates, then the old one is kept as previous and the signing key is untouched', () => {
    const file = {
      id: 'service:executor',
      signing: generateKeyPair('ed25519', 'service:executor'),
      encryption: generateKeyPair('x25519', 'service:executor'),
    };
    const { file: next, published } = rotateIdentityKeys(file, ['encryption']);
    expect(next.signing).toEqual(file.signing);
    expect(next.previousEncryption).toEqual([file.encryption]);
    expect(published).toEqual({
      id: 'service:executor',
      encryption: { keyId: next.encryption!.keyId, algorithm: 'x25519', publicKey: next.encryption!.publicKey },
    });
    expect(JSON.stringify(published)).not.toContain(next.encryption!.privateKey);
  });
});

describe('ReloadingTrustStore', () => {
  const logger = { log: jest.fn(), warn: jest.fn() };
  const path = join(mkdtempSync(join(tmpdir(), 'trust-reload-')), 'trust.json');

  it('given a rewritten trust.json, when reloaded, then the new store is in force; given a broken one, then the old stays and it is logged', () => {
    writeFileSync(path, JSON.stringify(documentWith(oldPair)));
    const reloading = new ReloadingTrustStore(path, logger);
    expect(reloading.reload()).toBe('unchanged');
    const newPair = generateKeyPair('ed25519', APPROVER);
    writeFileSync(path, JSON.stringify(documentWith(newPair)));
    expect(reloading.reload()).toBe('reloaded');
    expect(reloading.current.activeSigningKey(APPROVER)?.keyId).toBe(newPair.keyId);
    writeFileSync(path, '{"version": 1, "identities": [');
    expect(reloading.reload()).toBe('refused');
    expect(reloading.current.activeSigningKey(APPROVER)?.keyId).toBe(newPair.keyId);
    expect(logger.warn).toHaveBeenCalledWith(expect.stringContaining('keeping the loaded one'));
    expect(reloading.current.verify(vote(generateKeyPair('ed25519', APPROVER)))).toMatchObject({ ok: false, code: 'unknown_key' });
  });
});

describe('keepRetiredKeys: re-provisioning keeps what no longer speaks', () => {
  const key = (keyId: string, status: 'active' | 'retired' | 'revoked') => ({
    keyId,
    publicKey: `pk-${keyId}`,
    status,
    ...(status === 'retired' ? { retiredAt: RETIRED_AT } : {}),
  });
  const store = (signingKeys: ReturnType<typeof key>[]): TrustStoreDocument => ({
    version: 1,
    environment: 'development',
    identities: [{ id: 'approver:alice', signingKeys, encryptionKeys: [] }],
  });
  const signingOf = (document: TrustStoreDocument) => document.identities[0]!.signingKeys;

  it('given a retired and a revoked key, when an enrollment names a new key, then both are kept beside it', () => {
    const previous = store([key('old', 'retired'), key('leaked', 'revoked'), key('current', 'active')]);
    expect(signingOf(keepRetiredKeys(previous, store([key('current', 'active')])))).toEqual([
      key('old', 'retired'),
      key('leaked', 'revoked'),
      key('current', 'active'),
    ]);
  });

  it('given a retired or revoked key, when a stale enrollment still names it as active, then it stays retired or revoked', () => {
    const previous = store([key('old', 'retired'), key('leaked', 'revoked')]);
    const stale = store([key('old', 'active'), key('leaked', 'active')]);
    expect(signingOf(keepRetiredKeys(previous, stale))).toEqual([key('old', 'retired'), key('leaked', 'revoked')]);
  });

  it('given no previous store, then the new one is taken as it is', () => {
    const next = store([key('current', 'active')]);
    expect(keepRetiredKeys(undefined, next)).toBe(next);
  });
});
