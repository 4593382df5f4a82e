import { z } from 'zod';
import { ActionRequest, Digest, IdentityId, RequestId, SERVICE_IDS } from '@countersign/contracts';

/**
 * Explicit typing (RFC 8725 §3.11): this header value makes an execution token impossible to
 * confuse with any other JWT a service might see, and the verifier compares it byte for byte.
 */
export const EXECUTION_TOKEN_TYPE = 'countersign-exec+jwt';
export const EXECUTION_TOKEN_ALGORITHM = 'EdDSA';
export const BROKER_ISSUER = SERVICE_IDS.broker;
/** A credential exists for one action inside its window; 15 minutes bounds what a leak can do. */
export const MAX_TOKEN_TTL_SECONDS = 900;
/** Small on purpose: services run on synchronised clocks, and every second widens replay room. */
export const CLOCK_TOLERANCE_SECONDS = 5;
/** Tokens are a few hundred bytes; refusing big inputs keeps parsing cheap for hostile callers. */
export const MAX_TOKEN_LENGTH = 4096;
export const MAX_KEY_ID_LENGTH = 128;
/** The only protected header parameters a broker token carries; anything else is an attack or a bug. */
export const ALLOWED_HEADER_PARAMETERS: readonly string[] = ['alg', 'typ', 'kid'];

const NumericDate = z.number().int().nonnegative();

/** The claims the broker mints, and nothing else: an unknown claim means it was not ours. */
export const ExecutionTokenClaims = z.strictObject({
  iss: z.literal(BROKER_ISSUER),
  sub: IdentityId,
  aud: IdentityId,
  jti: z.uuid(),
  iat: NumericDate,
  nbf: NumericDate,
  exp: NumericDate,
  cs_req: RequestId,
  cs_dig: Digest,
  cs_tgt: ActionRequest.shape.target,
});
export type ExecutionTokenClaims = z.infer<typeof ExecutionTokenClaims>;

export const REQUIRED_CLAIMS = Object.keys(ExecutionTokenClaims.shape) as (keyof ExecutionTokenClaims)[];

export const TOKEN_REJECTION_CODES = [
  'malformed',
  'header_rejected',
  'alg_not_allowed',
  'wrong_type',
  'unknown_key',
  'bad_signature',
  'missing_claim',
  'invalid_claims',
  'wrong_issuer',
  'wrong_subject',
  'wrong_audience',
  'expired',
  'not_yet_valid',
  'issued_in_future',
  'ttl_too_long',
  'request_mismatch',
  'digest_mismatch',
  'target_mismatch',
  'invalid_key',
  'verification_failed',
] as const;
export type TokenRejectionCode = (typeof TOKEN_REJECTION_CODES)[number];

export type TokenVerification = { ok: true; claims: ExecutionTokenClaims } | { ok: false; code: TokenRejectionCode; message: string };
