import type { KeyObject } from 'node:crypto';
import { type CredentialIssuedV1, type Envelope, SERVICE_IDS } from '@countersign/contracts';
import { decodeProtectedHeader } from 'jose';
import { verifyExecutionToken } from '@countersign/credentials';
import type { OpenedCredential } from '@countersign/executor-domain';
import { open, type TrustStore } from '@countersign/identity';

export const EXECUTOR = SERVICE_IDS.executor;

/**
 * The crypto half of the chain check, kept out of the pure domain: open the sealed box with the
 * executor's own key, then verify the JWT against the broker's key from the trust store (never a
 * key the token names). Any failure is an unopened credential; the domain refuses those.
 */
export async function openCredential(
  issued: Envelope<CredentialIssuedV1>,
  target: string,
  keys: { decryption: KeyObject; trust: TrustStore; previousDecryption?: ReadonlyMap<string, KeyObject> },
  now: Date,
): Promise<OpenedCredential & { token?: string; system?: unknown }> {
  const { requestId, digest, sealed } = issued.data;
  // During an encryption-key rotation the broker may still seal to the executor's previous key
  // (until trust.json names the new one): the box says which, and the executor keeps that key.
  const decryption = keys.previousDecryption?.get(sealed.recipientKeyId) ?? keys.decryption;
  let contents: SealedContents | undefined;
  try {
    contents = sealedContents(open(sealed, decryption, `${requestId}:${digest}`));
  } catch {
    return { opened: false, error: 'sealed credential does not open with the executor key' };
  }
  if (!contents) return { opened: false, error: 'sealed credential holds neither a token nor {token, system}' };
  const { token, system } = contents;
  // A credential issued with a system grant must carry its secret, and one without must not.
  if ((system === undefined) !== (issued.data.grant === undefined)) {
    return { opened: false, error: 'sealed credential does not match the grant the broker published' };
  }
  // The key the token names, if it is the broker's and stands now (a broker key retired within its
  // overlap still mints); otherwise the active one, which then refuses the token as unknown_key.
  const named = namedKeyId(token);
  const broker = (named && keys.trust.signingKeyFor('service:broker', named, now)) || keys.trust.activeSigningKey('service:broker');
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

/** The header's `kid`, read only to pick a key from the trust store; verification judges the rest. */
function namedKeyId(token: string): string | undefined {
  try {
    const { kid } = decodeProtectedHeader(token);
    return typeof kid === 'string' ? kid : undefined;
  } catch {
    return undefined;
  }
}
