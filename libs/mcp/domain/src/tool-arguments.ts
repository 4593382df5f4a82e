import { z } from 'zod';
import {
  ActionRequest,
  inputLimitProblem,
  POSTGRES_SQL_KIND,
  PostgresSqlParameters,
  Reason,
  RequestId,
  SSH_COMMAND_KIND,
  SshCommandParameters,
  toFieldErrors,
  type FieldError,
  type InputLimits,
} from '@countersign/contracts';

/** The structured error every gateway ingress answers with (the house shape). */
export interface GatewayError {
  error: string;
  message: string;
  errors: FieldError[];
}

/**
 * Tool arguments are bounded before anything recursive reads them (the schema, then canonical JSON
 * when intake digests the action): a submission may be 256 KiB, and the gateway keeps room for the
 * envelope and the run attestation around the arguments.
 */
export const TOOL_ARGUMENT_LIMITS: InputLimits = {
  maxBytes: 128 * 1024,
  maxDepth: 24,
  maxStringLength: 16 * 1024,
  maxKeys: 200,
  maxItems: 1_000,
};

/**
 * What an action tool takes: the action request without what the tool fixes (kind, target) and
 * without the registry's facts (environment, sensitivity: the registry says them, never the
 * agent), plus the reason every submission carries. Kinds with a parameter contract use it.
 */
export function actionArgumentsSchema(kind: string) {
  const base = ActionRequest.omit({ kind: true, target: true, environment: true, dataSensitivity: true }).extend({ reason: Reason });
  if (kind === SSH_COMMAND_KIND) return base.extend({ parameters: SshCommandParameters });
  if (kind === POSTGRES_SQL_KIND) return base.extend({ parameters: PostgresSqlParameters });
  return base;
}
export type ActionArguments = z.infer<ReturnType<typeof actionArgumentsSchema>>;

/** The status tool: one request by id, or the latest calls this gateway made. */
export const StatusArguments = z.strictObject({
  requestId: RequestId.optional().describe('The request id a call returned or reported in its progress; omit to list recent calls.'),
  waitSeconds: z
    .number()
    .int()
    .min(0)
    .max(600)
    .optional()
    .describe('Wait up to this long for the request to end (progress is reported meanwhile); 0 or omitted answers at once.'),
});
export type StatusArguments = z.infer<typeof StatusArguments>;

/** JSON Schema 2020-12 of a zod schema, as MCP's tools/list carries it (input side: what the agent sends). */
export function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  return z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' });
}

export type ParsedArguments<T> = { ok: true; value: T } | { ok: false; error: GatewayError };

/** Limits first (iteratively, no recursion), then the schema; both answer with field errors. */
export function parseArguments<S extends z.ZodType>(schema: S, raw: unknown): ParsedArguments<z.output<S>> {
  const problem = inputLimitProblem(raw ?? {}, TOOL_ARGUMENT_LIMITS);
  if (problem) {
    return { ok: false, error: { error: 'input_limit', message: `the arguments exceed a limit: ${problem.message}`, errors: [problem] } };
  }
  const result = schema.safeParse(raw ?? {});
  if (result.success) return { ok: true, value: result.data };
  const errors = toFieldErrors(result.error, 'arguments');
  return { ok: false, error: { error: 'invalid_arguments', message: `the arguments do not match the tool's schema`, errors } };
}
