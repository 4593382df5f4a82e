import { readFileSync } from 'node:fs';
import {
  EnvelopeSchema,
  EventTypes,
  inputLimitProblem,
  parseJson,
  parseWith,
  type Envelope,
  type FieldError,
  type InputLimits,
} from '@countersign/contracts';
import type { GatewayError } from '@countersign/mcp-gateway-domain';

/** The run attestation's event type (its schema and intake's checks live with the contracts). */
export const RUN_ATTESTED_TYPE = EventTypes.RunAttested;
/** The HTTP header an MCP session presents its run attestation in: base64url of the envelope JSON. */
export const RUN_ATTESTATION_HEADER = 'countersign-run-attestation';

/** An attestation is a small envelope: these bounds come before anything parses it. */
const RUN_LIMITS: InputLimits = { maxBytes: 16 * 1024, maxDepth: 8, maxStringLength: 4096, maxKeys: 50, maxItems: 50 };

export type ParsedRun = { ok: true; run: Envelope } | { ok: false; error: GatewayError };

/**
 * The gateway only carries the attestation: it checks that it is one, signed in this requester's
 * name, so a wrong file fails at start-up rather than on every call. Intake verifies the signature,
 * the expiry and the scope, and refuses (run_invalid, run_expired, ...) whatever this lets through.
 */
export function parseRunAttestation(text: string, requester: string): ParsedRun {
  if (Buffer.byteLength(text, 'utf8') > RUN_LIMITS.maxBytes) return refuse([{ path: '(root)', code: 'too_large', message: 'over 16 KiB' }]);
  const json = parseJson(text);
  if (!json.ok) return refuse(json.errors);
  const beyond = inputLimitProblem(json.value, RUN_LIMITS);
  if (beyond) return refuse([beyond]);
  const parsed = parseWith(EnvelopeSchema, json.value);
  if (!parsed.ok) return refuse(parsed.errors);
  const envelope = parsed.value as Envelope;
  if (envelope.type !== RUN_ATTESTED_TYPE) return refuse([{ path: 'type', code: 'run_invalid', message: `not a ${RUN_ATTESTED_TYPE}` }]);
  if (envelope.signer !== `requester:${requester}`) {
    return refuse([{ path: 'signer', code: 'run_foreign', message: `signed by ${envelope.signer}, not requester:${requester}` }]);
  }
  return { ok: true, run: envelope };
}

export function readRunAttestationFile(file: string, requester: string): Envelope {
  const parsed = parseRunAttestation(readFileSync(file, 'utf8'), requester);
  if (!parsed.ok) throw new Error(`${file}: ${parsed.error.message}: ${JSON.stringify(parsed.error.errors)}`);
  return parsed.run;
}

/** The header's value: base64url of the envelope JSON (one header line, no JSON quoting issues). */
export function parseRunAttestationHeader(value: string, requester: string): ParsedRun {
  if (!/^[A-Za-z0-9_-]+={0,2}$/.test(value))
    return refuse([{ path: RUN_ATTESTATION_HEADER, code: 'invalid_base64url', message: 'not base64url' }]);
  return parseRunAttestation(Buffer.from(value, 'base64url').toString('utf8'), requester);
}

function refuse(errors: FieldError[]): ParsedRun {
  return { ok: false, error: { error: 'invalid_run_attestation', message: 'the run attestation is not usable', errors } };
}
