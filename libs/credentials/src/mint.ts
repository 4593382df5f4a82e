import type { KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import {
  BROKER_ISSUER,
  EXECUTION_TOKEN_ALGORITHM,
  EXECUTION_TOKEN_TYPE,
  ExecutionTokenClaims,
  MAX_KEY_ID_LENGTH,
  MAX_TOKEN_TTL_SECONDS,
} from './execution-token';

export interface MintExecutionTokenInput {
  /** The broker's Ed25519 signing key; no other identity may mint execution tokens. */
  privateKey: KeyObject;
  keyId: string;
  requestId: string;
  digest: string;
  target: string;
  executor: string;
  credentialId: string;
  notBefore: Date;
  expiresAt: Date;
  now: Date;
}

export type MintRefusalCode = 'invalid_key' | 'ttl_too_long' | 'empty_window' | 'already_expired' | 'invalid_claims';

/** Minting is refused, not clamped: a caller asking for more than policy allows has a bug to fix. */
export class ExecutionTokenRefused extends Error {
  constructor(
    readonly code: MintRefusalCode,
    message: string,
  ) {
    super(message);
    this.name = 'ExecutionTokenRefused';
  }
}

/** Mints the compact EdDSA JWS that lets the executor run exactly one approved action. */
export async function mintExecutionToken(input: MintExecutionTokenInput): Promise<string> {
  assertBrokerKey(input.privateKey, input.keyId);
  assertLifetime(input);
  const claims = claimsFor(input);
  const { iss, sub, aud, jti, iat, nbf, exp, ...custom } = claims;
  return new SignJWT(custom)
    .setProtectedHeader({ alg: EXECUTION_TOKEN_ALGORITHM, typ: EXECUTION_TOKEN_TYPE, kid: input.keyId })
    .setIssuer(iss)
    .setSubject(sub)
    .setAudience(aud)
    .setJti(jti)
    .setIssuedAt(iat)
    .setNotBefore(nbf)
    .setExpirationTime(exp)
    .sign(input.privateKey);
}

function assertBrokerKey(key: KeyObject, keyId: string): void {
  if (key.type !== 'private' || key.asymmetricKeyType !== 'ed25519') {
    throw new ExecutionTokenRefused('invalid_key', 'execution tokens are signed with an Ed25519 private key');
  }
  if (typeof keyId !== 'string' || keyId.length === 0 || keyId.length > MAX_KEY_ID_LENGTH) {
    throw new ExecutionTokenRefused('invalid_key', 'a key id is required so verifiers can tell keys apart');
  }
}

function assertLifetime({ notBefore, expiresAt, now }: MintExecutionTokenInput): void {
  const times = [notBefore, expiresAt, now].map((date) => date.getTime());
  if (times.some((time) => !Number.isFinite(time))) throw new ExecutionTokenRefused('invalid_claims', 'invalid date');
  const [nbf, exp, at] = times as [number, number, number];
  if (exp <= nbf) throw new ExecutionTokenRefused('empty_window', 'expiresAt must be after notBefore');
  if (exp <= at) throw new ExecutionTokenRefused('already_expired', 'expiresAt must be in the future');
  if (exp - at > MAX_TOKEN_TTL_SECONDS * 1000) {
    throw new ExecutionTokenRefused('ttl_too_long', `expiresAt is more than ${MAX_TOKEN_TTL_SECONDS}s from now`);
  }
}

/**
 * Seconds are floored so exp - iat never exceeds the millisecond lifetime that was checked, and
 * the claims go through the verifier's own schema so we never sign what we would later reject.
 */
function claimsFor(input: MintExecutionTokenInput): ExecutionTokenClaims {
  const parsed = ExecutionTokenClaims.safeParse({
    iss: BROKER_ISSUER,
    sub: input.executor,
    aud: input.executor,
    jti: input.credentialId,
    iat: seconds(input.now),
    nbf: seconds(input.notBefore),
    exp: seconds(input.expiresAt),
    cs_req: input.requestId,
    cs_dig: input.digest,
    cs_tgt: input.target,
  });
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => issue.path.join('.')).join(', ');
    throw new ExecutionTokenRefused('invalid_claims', `invalid claims: ${fields}`);
  }
  if (parsed.data.exp <= parsed.data.nbf) throw new ExecutionTokenRefused('empty_window', 'window shorter than a second');
  return parsed.data;
}

function seconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}
