import { parseWith, RequestSubmittedV1, type FieldError, type Parsed } from '@countersign/contracts';

/** The submit command's inputs as typed on the command line, before any validation. */
export interface SubmissionInput {
  kind?: string;
  target?: string;
  /** An assertion only: intake takes the environment from the target registry and rejects a different one. */
  environment?: string;
  /** `key=value` pairs; values stay strings (use paramsJson for numbers, booleans, nesting). */
  params: string[];
  paramsJson?: string;
  amount?: string;
  currency?: string;
  sensitivity?: string;
  windowMinutes?: number;
  reason?: string;
  requestId?: string;
  /** Invoke break-glass (`action.breakGlass`). */
  breakGlass?: boolean;
  /** The change intent (`action.intent`) approvers check and a tier may require. */
  ticket?: string;
  expectedOutcome?: string;
  rollbackPlan?: string;
  /** The workload's signed run attestation (`countersign run attest`), as read from its file. */
  run?: unknown;
}

/**
 * Builds RequestSubmittedV1 data and validates it with the contract's own schema, so the CLI
 * refuses exactly what intake would refuse, naming the same fields, before anything is signed.
 * Time and the fresh request id come in as arguments to keep this testable.
 */
export function buildSubmission(input: SubmissionInput, now: Date, newId: () => string): Parsed<RequestSubmittedV1> {
  const parameters = parseParameters(input.params, input.paramsJson);
  const candidate = {
    requestId: input.requestId ?? newId(),
    action: {
      kind: input.kind,
      target: input.target,
      parameters: parameters.ok ? parameters.value : {},
      ...optionalActionFields(input, now),
    },
    reason: input.reason,
    ...(input.run === undefined ? {} : { run: input.run }),
  };
  const parsed = parseWith(RequestSubmittedV1, candidate);
  if (parameters.ok) return parsed;
  return { ok: false, errors: [...parameters.errors, ...(parsed.ok ? [] : parsed.errors)] };
}

function optionalActionFields(input: SubmissionInput, now: Date): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  // Either half of an amount makes it an amount, so a forgotten currency is reported, not dropped.
  if (input.amount !== undefined || input.currency !== undefined) fields.amount = { value: input.amount, currency: input.currency };
  if (input.environment !== undefined) fields.environment = input.environment;
  if (input.sensitivity !== undefined) fields.dataSensitivity = input.sensitivity;
  const intent = definedOnly({ ticket: input.ticket, expectedOutcome: input.expectedOutcome, rollbackPlan: input.rollbackPlan });
  if (Object.keys(intent).length > 0) fields.intent = intent;
  if (input.breakGlass === true) fields.breakGlass = true;
  if (input.windowMinutes !== undefined) {
    fields.window = { notBefore: now.toISOString(), notAfter: new Date(now.getTime() + input.windowMinutes * 60_000).toISOString() };
  }
  return fields;
}

function definedOnly(fields: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(fields).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

const PARAMETERS_PATH = 'action.parameters';

/** `--params-json` first, then each `--param key=value` on top, so single values can override. */
export function parseParameters(pairs: readonly string[], json: string | undefined): Parsed<Record<string, unknown>> {
  const errors: FieldError[] = [];
  const parameters: Record<string, unknown> = {};
  if (json !== undefined) {
    const parsed = parseJsonObject(json);
    if (parsed.ok) Object.assign(parameters, parsed.value);
    else errors.push(parsed.error);
  }
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at < 1) {
      errors.push({ path: PARAMETERS_PATH, code: 'invalid_param', message: `--param takes key=value, got '${pair}'` });
      continue;
    }
    parameters[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return errors.length === 0 ? { ok: true, value: parameters } : { ok: false, errors };
}

function parseJsonObject(text: string): { ok: true; value: Record<string, unknown> } | { ok: false; error: FieldError } {
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return { ok: true, value: value as Record<string, unknown> };
    return { ok: false, error: { path: PARAMETERS_PATH, code: 'invalid_params_json', message: '--params-json must be a JSON object' } };
  } catch (error) {
    return {
      ok: false,
      error: { path: PARAMETERS_PATH, code: 'invalid_params_json', message: `--params-json is not JSON: ${(error as Error).message}` },
    };
  }
}
