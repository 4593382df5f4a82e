import * as crypto from 'node:crypto';
import { EventTypes } from '@countersign/contracts';
import { generateKeyPair, type StoredKeyPair } from './keys';
import { EnvelopeSigner } from './signing';
import { TrustStore } from './trust-store';
import { VerifiedSignatures } from './verified-signatures';

// Counts Ed25519 verifications: the signature checks a remembered signature spares.
jest.mock('node:crypto', () => {
  const actual = jest.requireActual<typeof crypto>('node:crypto');
  return { ...actual, verify: jest.fn(actual.verify) };
});

const REQUESTER = 'requester:deploy-bot';
const INTAKE = 'service:intake';
const requesterKey = generateKeyPair('ed25519', REQUESTER);
const intakeKey = generateKeyPair('ed25519', INTAKE);
const REQUEST_ID = '0b6c8a52-3f1e-4d1a-9c57-6a1f0e2d4b11';

const trustWith = (requester: Partial<{ status: 'active' | 'retired' | 'revoked'; retiredAt: string }> = {}) =>
  TrustStore.parse({
    version: 1,
    environment: 'test',
    identities: [
      { id: REQUESTER, signingKeys: [{ keyId: requesterKey.keyId, publicKey: requesterKey.publicKey, status: 'active', ...requester }] },
      { id: INTAKE, signingKeys: [{ keyId: intakeKey.keyId, publicKey: intakeKey.publicKey, status: 'active' }] },
    ],
  });

const signed = <T>(identity: string, key: StoredKeyPair, type: string, data: T) =>
  new EnvelopeSigner(identity, key).sign({ id: crypto.randomUUID(), type, subject: REQUEST_ID, time: '2026-11-21T09:58:59.000Z', data });

const submission = () =>
  signed(REQUESTER, requesterKey, EventTypes.RequestSubmitted, {
    requestId: REQUEST_ID,
    action: { kind: 'http.request', target: 'demo-target', parameters: { method: 'POST', path: '/migrate' } },
    reason: 'schema migration 42',
  });

const before = new Date('2026-11-21T09:59:00.000Z');

describe('a trust store verifies each outside party’s signature once', () => {
  const verifies = crypto.verify as unknown as jest.Mock;
  beforeEach(() => verifies.mockClear());

  it('verifies a submission carried again (in an acceptance) without the signature check a second time', () => {
    const trust = trustWith();
    const envelope = submission();
    expect(trust.verify(envelope, undefined, before)).toMatchObject({ ok: true });
    expect(trust.verify(structuredClone(envelope), undefined, before)).toMatchObject({ ok: true, envelope });
    expect(verifies).toHaveBeenCalledTimes(1);
  });

  it('refuses a copy altered under the remembered signature', () => {
    const trust = trustWith();
    const envelope = submission();
    expect(trust.verify(envelope, undefined, before)).toMatchObject({ ok: true });
    const altered = { ...envelope, data: { ...envelope.data, reason: 'something else' } };
    expect(trust.verify(altered, undefined, before)).toMatchObject({ ok: false, code: 'bad_signature' });
  });

  it('still judges the key’s standing every time: retired by the time it was witnessed, or revoked after a reload', () => {
    const envelope = submission();
    const retired = trustWith({ status: 'retired', retiredAt: '2026-11-21T10:00:00.000Z' });
    expect(retired.verify(envelope, undefined, before)).toMatchObject({ ok: true });
    expect(retired.verify(envelope, undefined, new Date('2026-11-21T10:00:01.000Z'))).toMatchObject({ ok: false, code: 'retired_key' });
    const trust = trustWith();
    expect(trust.verify(envelope, undefined, before)).toMatchObject({ ok: true });
    expect(trustWith({ status: 'revoked' }).verify(envelope, undefined, before)).toMatchObject({ ok: false, code: 'revoked_key' });
  });

  it('starts afresh with a new trust store (a reload) and verifies services’ own events every time', () => {
    const envelope = submission();
    trustWith().verify(envelope, undefined, before);
    trustWith().verify(envelope, undefined, before);
    const trust = trustWith();
    const own = signed(INTAKE, intakeKey, EventTypes.RequestRejected, {
      requester: REQUESTER,
      submissionId: envelope.id,
      errors: [{ path: 'action', code: 'invalid', message: 'no' }],
      rejectedAt: '2026-11-21T09:59:00.000Z',
    });
    expect(trust.verify(own)).toMatchObject({ ok: true });
    expect(trust.verify(own)).toMatchObject({ ok: true });
    expect(verifies).toHaveBeenCalledTimes(4);
  });
});

describe('VerifiedSignatures', () => {
  it('remembers only what held, and at most its size, the oldest going first', () => {
    const remembered = new VerifiedSignatures(1);
    const bytes = (text: string) => Buffer.from(text);
    const check = jest.fn(() => true);
    expect(remembered.holds('k', 's', bytes('a'), () => false)).toBe(false);
    expect(remembered.holds('k', 's', bytes('a'), check)).toBe(true);
    expect(remembered.holds('k', 's', bytes('a'), check)).toBe(true);
    expect(check).toHaveBeenCalledTimes(1);
    expect(remembered.holds('other key', 's', bytes('a'), check)).toBe(true);
    expect(remembered.holds('k', 's', bytes('a'), check)).toBe(true);
    expect(check).toHaveBeenCalledTimes(3);
  });
});
