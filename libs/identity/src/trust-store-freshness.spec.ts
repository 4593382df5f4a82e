import { randomUUID } from 'node:crypto';
import { EVENT_TYPES, EventTypes } from '@countersign/contracts';
import { generateKeyPair } from './keys';
import { EnvelopeSigner } from './signing';
import { DEFAULT_MAX_SKEW_MS, TrustStore, isExternalIngressType, type Freshness } from './trust-store';

const IDS = ['requester:deploy-bot', 'approver:alice', 'service:broker'] as const;
const pairs = IDS.map((id) => ({ id, pair: generateKeyPair('ed25519', id) }));
const trust = TrustStore.parse({
  version: 1,
  environment: 'test',
  identities: pairs.map(({ id, pair }) => ({ id, signingKeys: [{ ...pair, status: 'active' }] })),
});
const signer = (id: (typeof IDS)[number]) => new EnvelopeSigner(id, pairs.find((entry) => entry.id === id)!.pair);

const NOW = new Date('2026-11-21T10:00:00.000Z');
const fresh: Freshness = { now: NOW, maxSkewMs: DEFAULT_MAX_SKEW_MS };
const at = (offsetMs: number) => new Date(NOW.getTime() + offsetMs).toISOString();

const submission = (time: string, data: Record<string, unknown> = {}) => {
  const requestId = randomUUID();
  return signer('requester:deploy-bot').sign({
    id: randomUUID(),
    type: EventTypes.RequestSubmitted,
    subject: requestId,
    time,
    data: {
      requestId,
      action: { kind: 'http.request', target: 'demo-target', environment: 'staging', parameters: {} },
      reason: 'deploy',
      ...data,
    },
  });
};

const vote = (time: string) => {
  const requestId = randomUUID();
  return signer('approver:alice').sign({
    id: randomUUID(),
    type: EventTypes.VoteCast,
    subject: requestId,
    time,
    data: { requestId, digest: 'ab'.repeat(32), renderingDigest: 'cd'.repeat(32), decision: 'approve' },
  });
};

const revocation = (time: string) => {
  const requestId = randomUUID();
  return signer('service:broker').sign({
    id: randomUUID(),
    type: EventTypes.CredentialRevoked,
    subject: requestId,
    time,
    data: { requestId, credentialId: randomUUID(), reason: 'window_ended', revokedAt: time },
  });
};

describe('signature-layer freshness of external ingress events', () => {
  it('names exactly the types outside parties sign as external ingress', () => {
    const external = Object.keys(EVENT_TYPES).filter(isExternalIngressType);
    const outside = [EventTypes.RequestSubmitted, EventTypes.VoteCast, EventTypes.VoteRelayed, EventTypes.RunAttested];
    expect(external.sort()).toEqual(outside.sort());
    expect(isExternalIngressType('countersign.unknown.v1')).toBe(false);
  });

  it.each([
    ['now', 0],
    ['at the future edge', DEFAULT_MAX_SKEW_MS],
    ['at the past edge', -DEFAULT_MAX_SKEW_MS],
  ])('accepts a submission signed %s', (_, offset) => {
    expect(trust.verify(submission(at(offset)), fresh)).toMatchObject({ ok: true });
  });

  it('refuses a submission from further in the future than the skew allows, naming the signer', () => {
    expect(trust.verify(submission(at(DEFAULT_MAX_SKEW_MS + 1)), fresh)).toMatchObject({
      ok: false,
      code: 'future_timestamp',
      claimedSigner: 'requester:deploy-bot',
      errors: [{ path: 'time', code: 'future_timestamp' }],
    });
  });

  it('refuses a submission older than the skew allows, naming the signer', () => {
    expect(trust.verify(submission(at(-DEFAULT_MAX_SKEW_MS - 1)), fresh)).toMatchObject({
      ok: false,
      code: 'stale_timestamp',
      claimedSigner: 'requester:deploy-bot',
    });
  });

  it('applies the same bounds to votes', () => {
    expect(trust.verify(vote(at(-60 * 60_000)), fresh)).toMatchObject({
      ok: false,
      code: 'stale_timestamp',
      claimedSigner: 'approver:alice',
    });
    expect(trust.verify(vote(at(60 * 60_000)), fresh)).toMatchObject({ ok: false, code: 'future_timestamp' });
  });

  it('honours a tighter skew when asked for one', () => {
    expect(trust.verify(submission(at(-2_000)), { now: NOW, maxSkewMs: 1_000 })).toMatchObject({ ok: false, code: 'stale_timestamp' });
  });

  it('exempts service events, which the outbox relay may publish long after signing', () => {
    const dayOld = revocation(at(-24 * 60 * 60_000));
    expect(trust.verify(dayOld, fresh)).toMatchObject({ ok: true, type: EventTypes.CredentialRevoked });
  });

  it('checks nothing about time without freshness (offline verification of old evidence)', () => {
    expect(trust.verify(submission(at(-365 * 24 * 60 * 60_000)))).toMatchObject({ ok: true });
    expect(trust.verifyBytes(JSON.stringify(submission(at(-365 * 24 * 60 * 60_000))))).toMatchObject({ ok: true });
  });

  it('judges the signature before the time: a re-dated envelope is a forgery, not a stale event', () => {
    const envelope = submission(at(-DEFAULT_MAX_SKEW_MS * 10));
    expect(trust.verify({ ...envelope, time: at(0) }, fresh)).toMatchObject({ ok: false, code: 'bad_signature' });
  });

  it('refuses a stale submission even when its payload is invalid, so intake cannot be made to answer it', () => {
    const stale = submission(at(-DEFAULT_MAX_SKEW_MS * 2), { requestId: 'not-a-uuid' });
    const result = trust.verify(stale, fresh);
    expect(result).toMatchObject({ ok: false, code: 'stale_timestamp' });
    expect(result.ok === false && result.authentic).toBeUndefined();
  });

  it('passes freshness through verifyBytes', () => {
    expect(trust.verifyBytes(JSON.stringify(submission(at(DEFAULT_MAX_SKEW_MS * 2))), fresh)).toMatchObject({
      ok: false,
      code: 'future_timestamp',
    });
  });
});
