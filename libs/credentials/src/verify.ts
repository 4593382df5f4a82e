import { errorMessage } from '@countersign/contracts';
import type { KeyObject } from 'node:crypto';
import { errors, jwtVerify, type JWTPayload, type JWTVerifyOptions } from 'jose';
import {
  ALLOWED_HEADER_PARAMETERS,
  BROKER_ISSUER,
  CLOCK_TOLERANCE_SECONDS,
  EXECUTION_TOKEN_ALGORITHM,
  EXECUTION_TOKEN_TYPE,
  ExecutionTokenClaims,
  MAX_KEY_ID_LENGTH,
  MAX_TOKEN_LENGTH,
  MAX_TOKEN_TTL_SECONDS,
  REQUIRED_CLAIMS,
  type TokenRejectionCode,
  type TokenVerification,
} from './execution-token';

export interface VerifyExecutionTokenOptions {
  /** The broker's Ed25519 public key, from the trust store. Never a key named by the token. */
  brokerKey: KeyObject;
  /** When given, the header `kid` must name exactly this key. */
  brokerKeyId?: string;
  /** Who is verifying: the token must be addressed to (aud) and about (sub) this identity. */
  audience: string;
  now: Date;
  /** What the caller is about to do; the token must have been minted for exactly that. */
  expected?: { requestId?: string; digest?: string; target?: string };
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

type Rejected = Extract<TokenVerification, { ok: false }>;

/**
 * Verifies an execution token. Fails closed: any input it does not fully understand, and any
 * exception on the way, is a rejection, so a bug here can deny an execution but never allow one.
 */
export async function verifyExecutionToken(token: unknown, options: VerifyExecutionTokenOptions): Promise<TokenVerification> {
  try {
    return await verifyOrReject(token, options);
  } catch (error) {
    return reject('verification_failed', `verification failed: ${describe(error)}`);
  }
}

async function verifyOrReject(token: unknown, options: VerifyExecutionTokenOptions): Promise<TokenVerification> {
  const unusable = checkOptions(options);
  if (unusable) return unusable;
  const parts = splitCompact(token);
  if (!parts) return reject('malformed', 'not a compact JWS');
  const header = checkHeader(parts[0], options.brokerKeyId);
  if (header) return header;
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token as string, options.brokerKey, joseOptions(options)));
  } catch (error) {
    return fromJoseError(error);
  }
  return checkClaims(payload, options);
}

/** A misconfigured verifier (NaN clock, wrong key type) would otherwise skip checks silently. */
function checkOptions({ brokerKey, audience, now }: VerifyExecutionTokenOptions): Rejected | undefined {
  if (!brokerKey || brokerKey.type !== 'public' || brokerKey.asymmetricKeyType !== 'ed25519') {
    return reject('invalid_key', 'the broker key must be an Ed25519 public key');
  }
  if (typeof audience !== 'string' || audience.length === 0) return reject('verification_failed', 'no audience');
  if (!(now instanceof Date) || !Number.isFinite(now.getTime())) return reject('verification_failed', 'invalid clock');
  return undefined;
}

function splitCompact(token: unknown): [string, string, string] | undefined {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return undefined;
  const parts = token.split('.');
  // An empty signature is let through to the header check, so `alg: none` is reported as such.
  const [header, payload, signature] = parts;
  if (parts.length !== 3 || !BASE64URL.test(header ?? '') || !BASE64URL.test(payload ?? '')) return undefined;
  if (!/^[A-Za-z0-9_-]*$/.test(signature ?? '')) return undefined;
  return parts as [string, string, string];
}

/**
 * Checked before any cryptography: the algorithm is pinned (never chosen by the token), and key
 * material or processing instructions in the header (jwk, jku, x5u, crit, b64...) are refused
 * outright, because only the trust store says which key speaks for the broker.
 */
function checkHeader(encoded: string, brokerKeyId: string | undefined): Rejected | undefined {
  const header = decodeJsonObject(encoded);
  if (!header) return reject('malformed', 'the protected header is not a JSON object');
  const unexpected = Object.keys(header).filter((name) => !ALLOWED_HEADER_PARAMETERS.includes(name));
  if (unexpected.length > 0) return reject('header_rejected', `header parameters not allowed: ${unexpected.join(', ')}`);
  if (header['alg'] !== EXECUTION_TOKEN_ALGORITHM) return reject('alg_not_allowed', `alg ${String(header['alg'])} is not allowed`);
  if (header['typ'] !== EXECUTION_TOKEN_TYPE) return reject('wrong_type', `typ must be ${EXECUTION_TOKEN_TYPE}`);
  const kid = header['kid'];
  if (typeof kid !== 'string' || kid.length === 0 || kid.length > MAX_KEY_ID_LENGTH) return reject('header_rejected', 'kid is required');
  if (brokerKeyId !== undefined && kid !== brokerKeyId) return reject('unknown_key', `kid ${kid} is not the broker's key`);
  return undefined;
}

function decodeJsonObject(encoded: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function joseOptions({ audience, now }: VerifyExecutionTokenOptions): JWTVerifyOptions {
  return {
    algorithms: [EXECUTION_TOKEN_ALGORITHM],
    typ: EXECUTION_TOKEN_TYPE,
    issuer: BROKER_ISSUER,
    audience,
    requiredClaims: [...REQUIRED_CLAIMS],
    clockTolerance: CLOCK_TOLERANCE_SECONDS,
    maxTokenAge: MAX_TOKEN_TTL_SECONDS,
    currentDate: now,
  };
}

/** jose already did signature, typ, iss, aud and time; this is the second, stricter layer. */
function checkClaims(payload: JWTPayload, options: VerifyExecutionTokenOptions): TokenVerification {
  const parsed = ExecutionTokenClaims.safeParse(payload);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => issue.path.join('.') || '(claims)').join(', ');
    return reject('invalid_claims', `invalid claims: ${fields}`);
  }
  const claims = parsed.data;
  if (claims.aud !== options.audience) return reject('wrong_audience', 'not addressed to us');
  if (claims.sub !== options.audience) return reject('wrong_subject', 'not about us');
  if (claims.exp <= claims.nbf) return reject('invalid_claims', 'exp must be after nbf');
  if (claims.exp - claims.iat > MAX_TOKEN_TTL_SECONDS) return reject('ttl_too_long', `lifetime exceeds ${MAX_TOKEN_TTL_SECONDS}s`);
  return checkExpected(claims, options.expected) ?? { ok: true, claims };
}

function checkExpected(claims: ExecutionTokenClaims, expected: VerifyExecutionTokenOptions['expected']): Rejected | undefined {
  if (expected?.requestId !== undefined && claims.cs_req !== expected.requestId)
    return reject('request_mismatch', 'minted for another request');
  if (expected?.digest !== undefined && claims.cs_dig !== expected.digest)
    return reject('digest_mismatch', 'minted for another action digest');
  if (expected?.target !== undefined && claims.cs_tgt !== expected.target) return reject('target_mismatch', 'minted for another target');
  return undefined;
}

const CLAIM_CODES: Record<string, TokenRejectionCode> = {
  iss: 'wrong_issuer',
  sub: 'wrong_subject',
  aud: 'wrong_audience',
  typ: 'wrong_type',
  nbf: 'not_yet_valid',
  iat: 'issued_in_future',
};

function fromJoseError(error: unknown): Rejected {
  const message = describe(error);
  if (error instanceof errors.JWTExpired) return reject('expired', message);
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.reason === 'missing') return reject('missing_claim', message);
    if (error.reason === 'invalid') return reject('invalid_claims', message);
    return reject(CLAIM_CODES[error.claim] ?? 'invalid_claims', message);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return reject('bad_signature', message);
  if (error instanceof errors.JOSEAlgNotAllowed) return reject('alg_not_allowed', message);
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return reject('malformed', message);
  return reject('verification_failed', message);
}

function reject(code: TokenRejectionCode, message: string): Rejected {
  return { ok: false, code, message };
}

function describe(error: unknown): string {
  return errorMessage(error);
}
