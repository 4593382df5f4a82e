import { serviceId } from '@countersign/contracts';
import { refuse, type Chain, type ChainCheckInput, type Refusal } from './chain.types';
import { toMillis, toSeconds } from '@countersign/decider';

/**
 * The credential must be the one the issued event announced, addressed to this executor, scoped to
 * this request, digest and target, and valid now. A digest claim that differs is reported as such.
 */
export function checkCredential({ issued, accepted, digest }: Chain, { credential, executorId, now }: ChainCheckInput): Refusal | null {
  if (!credential.opened || credential.claims === undefined) {
    return refuse('credential_invalid', `the credential could not be opened: ${credential.error ?? 'no claims'}`);
  }
  const claims = credential.claims;
  const audiences: readonly string[] = typeof claims.aud === 'string' ? [claims.aud] : claims.aud;
  const mismatches: [boolean, string][] = [
    [issued.data.executor !== executorId, `issued to ${issued.data.executor}, not ${executorId}`],
    [claims.iss !== serviceId('broker'), `iss is ${claims.iss}`],
    [!audiences.includes(executorId), `aud does not include ${executorId}`],
    [claims.sub !== undefined && claims.sub !== executorId, `sub is ${String(claims.sub)}`],
    [claims.jti !== issued.data.credentialId, 'jti is not the issued credential id'],
    [claims.cs_req !== accepted.data.requestId, 'cs_req names another request'],
    [claims.cs_tgt !== accepted.data.action.target, 'cs_tgt names another target'],
    [
      claims.nbf !== toSeconds(issued.data.notBefore) || claims.exp !== toSeconds(issued.data.expiresAt),
      'nbf/exp differ from the issued bounds',
    ],
  ];
  const mismatch = mismatches.find(([wrong]) => wrong);
  if (mismatch) return refuse('credential_invalid', mismatch[1]);
  if (claims.cs_dig !== digest) return refuse('digest_mismatch', 'cs_dig does not match the action');
  const at = toMillis(now);
  return at < claims.nbf * 1000 || at >= claims.exp * 1000 ? refuse('window_closed', `${now} is outside the credential's nbf..exp`) : null;
}
