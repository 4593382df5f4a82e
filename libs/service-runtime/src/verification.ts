import { EventTypes, type Envelope, type RunAttestedV1 } from '@countersign/contracts';
import type { Freshness, TrustStore, Verification } from '@countersign/identity';
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

/** The submission's run attestation as the trust store sees it: what intake's decider judges. */
export type RunVerification = { ok: true; signer: string; attestation: RunAttestedV1 } | { ok: false; problem: string };

/**
 * Verifies the `run` a submission carries (undefined when it carries none) as every envelope is
 * verified: key, key standing now, the signer's right to the type, signature, schema. No freshness
 * window: the run's own expiresAt is judged by intake's decider against intake's clock.
 */
export function verifyRunAttestation(trust: Pick<TrustStore, 'verify'>, payload: unknown, now: Date): RunVerification | undefined {
  const run = typeof payload === 'object' && payload !== null ? (payload as { run?: unknown }).run : undefined;
  if (run === undefined) return undefined;
  const verification = trust.verify(run, undefined, now);
  if (!verification.ok) return { ok: false, problem: `${verification.code}: ${verification.message}` };
  if (verification.type !== EventTypes.RunAttested) return { ok: false, problem: `${verification.type} is not a run attestation` };
  const envelope = verification.envelope as Envelope<RunAttestedV1>;
  return { ok: true, signer: envelope.signer, attestation: envelope.data };
}
