import type { KeyObject } from 'node:crypto';
import type { CredentialIssuedV1, Envelope } from '@countersign/contracts';
import { verifyExecutionToken } from '@countersign/credentials';
import type { OpenedCredential } from '@countersign/executor-domain';
import { open, type TrustStore } from '@countersign/identity';

export const EXECUTOR = 'service:executor';

/**
 * The crypto half of the chain check, kept out of the pure domain: open the sealed box with the
 * executor's own key, then verify the JWT against the broker's key from the trust store (never a
 * key the token names). Any failure is an unopened credential; the domain refuses those.
 */
export async function openCredential(
  issued: Envelope<CredentialIssuedV1>,
  target: string,
  keys: { decryption: KeyObject; trust: TrustStore },
  now: Date,
): Promise<OpenedCredential & { token?: string; system?: unknown }> {
  const { requestId, digest, sealed } = issued.data;
  let contents: SealedContents | undefined;
  try {
    contents = sealedContents(open(sealed, keys.decryption, `${requestId}:${digest}`));
  } catch {
    return { opened: false, error: 'sealed credential does not open with the executor key' };
  }
  if (!contents) return { opened: false, error: 'sealed credential holds neither a token nor {token, system}' };
  const { token, system } = contents;
  // A credential issued with a system grant must carry its secret, and one without must not.
  if ((system === undefined) !== (issued.data.grant === undefined)) {
    return { opened: false, error: 'sealed credential does not match the grant the broker published' };
  }
  const broker = keys.trust.activeSigningKey('service:broker');
  if (!broker) return { opened: false, error: 'no active broker key in the trust store' };
  const verified = await verifyExecutionToken(token, {
    brokerKey: broker.key,
    brokerKeyId: broker.keyId,
    audience: EXECUTOR,
    now,
    expected: { requestId, digest, target },
  });
  if (!verified.ok) return { opened: false, error: `${verified.code}: ${verified.message}` };
  return { opened: true, claims: verified.claims, token, ...(system === undefined ? {} : { system }) };
}

interface SealedContents {
  token: string;
  system?: unknown;
}

/**
 * A bearer JWT alone (compact JWS, never starting with `{`), or for system-backed kinds the JSON
 * `{token, system}` the broker sealed (system-grants.ts); anything else is not a credential.
 */
function sealedContents(plaintext: string): SealedContents | undefined {
  if (!plaintext.startsWith('{')) return { token: plaintext };
  const parsed = JSON.parse(plaintext) as unknown;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const { token, system, ...rest } = parsed as Record<string, unknown>;
  if (typeof token !== 'string' || system === undefined || Object.keys(rest).length > 0) return undefined;
  return { token, system };
}
