import { randomUUID } from 'node:crypto';
import { EventTypes, canonicalJson } from '@countersign/contracts';
import { generateKeyPair } from './keys';
import { EnvelopeSigner } from './signing';
import { TrustStore } from './trust-store';

function fixture() {
  const requesterKey = generateKeyPair('ed25519', 'requester:deploy-bot');
  const intakeKey = generateKeyPair('ed25519', 'service:intake');
  const trust = TrustStore.parse({
    version: 1,
    environment: 'test',
    identities: [
      { id: 'requester:deploy-bot', signingKeys: [{ ...requesterKey, status: 'active' }] },
      { id: 'service:intake', signingKeys: [{ ...intakeKey, status: 'active' }] },
    ],
  });
  return {
    trust,
    requester: new EnvelopeSigner('requester:deploy-bot', requesterKey),
    intake: new EnvelopeSigner('service:intake', intakeKey),
  };
}

const submission = (requestId = randomUUID()) => ({
  id: randomUUID(),
  type: EventTypes.RequestSubmitted,
  subject: requestId,
  time: '2026-11-21T10:00:00.000Z',
  data: { requestId, action: { kind: 'http.request', target: 'demo-target', environment: 'staging', parameters: {} }, reason: 'deploy' },
});

describe('envelope signatures', () => {
  it('verifies an envelope signed by an identity allowed to emit its type', () => {
    const { trust, requester } = fixture();
    expect(trust.verify(requester.sign(submission()))).toMatchObject({ ok: true, type: EventTypes.RequestSubmitted });
  });

  it('rejects a type the signer may not emit, even with a valid signature', () => {
    const { trust, intake } = fixture();
    expect(trust.verify(intake.sign(submission()))).toMatchObject({ ok: false, code: 'type_not_allowed', claimedSigner: 'service:intake' });
  });

  it('rejects a payload changed after signing', () => {
    const { trust, requester } = fixture();
    const envelope = requester.sign(submission());
    const tampered = { ...envelope, data: { ...(envelope.data as object), reason: 'something else' } };
    expect(trust.verify(tampered)).toMatchObject({ ok: false, code: 'bad_signature' });
  });

  it('rejects a key presented under another identity', () => {
    const { trust, requester } = fixture();
    const envelope = requester.sign(submission());
    expect(trust.verify({ ...envelope, signer: 'service:intake' })).toMatchObject({ ok: false, code: 'signer_mismatch' });
  });

  it('names the field when the data does not match the schema', () => {
    const { trust, requester } = fixture();
    const bad = submission();
    const envelope = requester.sign({ ...bad, data: { ...bad.data, requestId: 'nope' } });
    const result = trust.verify(envelope);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors?.[0]?.path).toBe('data.requestId');
  });

  it('canonicalizes keys in code-unit order regardless of insertion order', () => {
    expect(canonicalJson({ b: 1, a: [true, null, 'x'], c: { z: 1e21, y: 0.1 } })).toBe(
      '{"a":[true,null,"x"],"b":1,"c":{"y":0.1,"z":1e+21}}',
    );
  });
});

describe('signatures a service keeps for itself (signForSelf)', () => {
  const audit = new EnvelopeSigner('service:audit', generateKeyPair('ed25519', 'service:audit'));
  const rotated = new EnvelopeSigner('service:audit', generateKeyPair('ed25519', 'service:audit'));
  const input = canonicalJson({ stream: 'audit-log', revision: 999, state: '{}' });

  it('accepts its own signature over the same input, and only that', () => {
    const signature = audit.signForSelf(input);
    expect(audit.signedBySelf(input, signature)).toBe(true);
    expect(audit.signedBySelf(input.replace('999', '998'), signature)).toBe(false);
    // Another key of the same identity (after a rotation) is another signer.
    expect(rotated.signedBySelf(input, signature)).toBe(false);
    expect(audit.signedBySelf(input, rotated.signForSelf(input))).toBe(false);
    expect(audit.signedBySelf(input, '')).toBe(false);
    expect(audit.signedBySelf(input, 'not base64url!')).toBe(false);
  });
});
