/**
 * A signing or encryption key's place in its life: `active` (speaks for its identity now),
 * `retired` (spoke for it until `retiredAt`: what it signed before then stays verifiable, nothing
 * after), `revoked` (never trusted again, not even for history: the key is presumed stolen).
 */
export const KEY_STATUSES = ['active', 'retired', 'revoked'] as const;
export type KeyStatus = (typeof KEY_STATUSES)[number];

export interface KeyLifecycle {
  status: KeyStatus;
  /** For `retired` keys: the first instant at which the key no longer speaks (ISO 8601, UTC). */
  retiredAt?: string;
}

export type KeyStanding = { ok: true } | { ok: false; code: 'revoked_key' | 'retired_key'; message: string };

/**
 * Whether a key may vouch for an event that was WITNESSED at `witnessedAt`: the one rule both the
 * live services (bus consumers, intake's HTTP door) and the offline `countersign audit verify` apply.
 *
 * "Before the retirement" is never judged by the signer's own clock (the envelope's `time`: whoever
 * holds the old key can write any time into it). `witnessedAt` is the time a party OTHER than the
 * signer saw the event: JetStream's stored timestamp for a bus message (the server's clock), intake's
 * clock for an HTTP submission, audit's `recordedAt` for a chained record, and for evidence embedded
 * in a service's event (a vote inside an approval) the time that service's signed event says it saw
 * it. An event seen strictly before `retiredAt` verifies; one seen at or after it does not. Without
 * a witness time a retired key verifies nothing (fail closed).
 */
export function keyStanding(keyId: string, key: KeyLifecycle, witnessedAt: Date | undefined): KeyStanding {
  if (key.status === 'active') return { ok: true };
  if (key.status === 'revoked') return { ok: false, code: 'revoked_key', message: `key ${keyId} is revoked` };
  const retiredAt = key.retiredAt === undefined ? Number.NaN : Date.parse(key.retiredAt);
  const seen = witnessedAt?.getTime() ?? Number.NaN;
  if (Number.isNaN(retiredAt)) return { ok: false, code: 'retired_key', message: `key ${keyId} is retired (no valid retiredAt)` };
  if (Number.isNaN(seen)) return { ok: false, code: 'retired_key', message: `key ${keyId} is retired and the event has no witness time` };
  if (seen < retiredAt) return { ok: true };
  return {
    ok: false,
    code: 'retired_key',
    message: `key ${keyId} was retired at ${key.retiredAt}; the event was witnessed at ${new Date(seen).toISOString()}`,
  };
}
