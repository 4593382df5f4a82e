import { sha256Hex } from '@countersign/contracts';

/** Signatures remembered per trust store: a few minutes of evidence under load, about 0.2 MB. */
export const VERIFIED_SIGNATURES_KEPT = 1_024;

/**
 * The signatures a trust store has seen hold, each with the exact bytes it covers and the key id
 * it verified under, so evidence that comes back (the requester's submission an acceptance carries,
 * after the submission itself; an approval re-checked after a wait) is verified once per consumer.
 * A hit means these very bytes, with this very signature, verified under this key id of this trust
 * store; the key's standing is still judged every time before the signature is looked at, and a
 * trust reload (a key added, retired or revoked) makes a new trust store and so starts empty.
 * Bounded: the oldest entry goes first; forgetting one only costs a verification.
 */
export class VerifiedSignatures {
  private readonly seen = new Set<string>();

  constructor(private readonly kept = VERIFIED_SIGNATURES_KEPT) {}

  /** Whether `signature` over `signed` holds under `keyId`: remembered, or else `verify()` now. */
  holds(keyId: string, signature: string, signed: Uint8Array, verify: () => boolean): boolean {
    const entry = `${keyId} ${signature} ${sha256Hex(signed)}`;
    if (this.seen.has(entry)) return true;
    if (!verify()) return false;
    this.seen.add(entry);
    if (this.seen.size > this.kept) this.seen.delete(this.seen.values().next().value!);
    return true;
  }
}
