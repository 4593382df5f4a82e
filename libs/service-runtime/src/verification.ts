import { EventTypes } from '@countersign/contracts';
import type { Freshness, Verification } from '@countersign/identity';
import type { ServiceRuntime } from './runtime';

/**
 * A submission whose signature holds but whose payload is invalid is still authentic: intake must
 * answer it with a structured rejection, and audit must record it, rather than dead-letter it.
 * Every other type keeps strict verification.
 */
export const acceptAuthenticSubmissions =
  (runtime: Pick<ServiceRuntime, 'trust'>) =>
  (bytes: Uint8Array, freshness?: Freshness): Verification => {
    // Freshness is judged before the payload: a stale or future submission is refused, not answered.
    const verification = runtime.trust.verifyBytes(bytes, freshness);
    if (!verification.ok && verification.authentic?.type === EventTypes.RequestSubmitted) {
      return { ok: true, envelope: verification.authentic as never, type: EventTypes.RequestSubmitted };
    }
    return verification;
  };
