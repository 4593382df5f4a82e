import type { HostileBody } from './hostile';

/** Every status a hostile request may get from intake: refusals only, never a success or a 5xx. */
export const HTTP_REFUSALS: readonly number[] = [400, 401, 404, 405, 413, 415];

export interface HttpAttempt {
  /** Method, path, content type and body kind, to find a failing one again. */
  label: string;
  status: number;
  contentType: string | null;
  /** The parsed answer, or the raw text when it was not JSON. */
  answer: unknown;
  error?: string;
}

const JSON_TYPES = ['application/json', 'application/cloudevents+json', 'application/json; charset=utf-8'];
const WRONG_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json; charset=latin1',
  'application/xml',
  'application/jsonx',
];
const UNKNOWN_PATHS = ['/v1/submission', '/admin', '/v1/submissions/extra', '/v2/submissions', '/%2e%2e/etc/passwd'];
const WRONG_METHODS: ReadonlyArray<[string, string]> = [
  ['GET', '/v1/submissions'],
  ['PUT', '/v1/submissions'],
  ['DELETE', '/v1/submissions'],
  ['POST', '/v1/openapi.json'],
];

/**
 * Sends one hostile body to intake. `shape` (0-99) picks how: mostly a POST of the body as JSON to
 * the submission endpoint, else the same body with a wrong content type, to an unknown path, or
 * with a method the route does not take.
 */
export async function sendHostile(baseUrl: string, body: HostileBody, shape: number): Promise<HttpAttempt> {
  let method = 'POST';
  let path = '/v1/submissions';
  let contentType = JSON_TYPES[shape % JSON_TYPES.length]!;
  if (shape >= 85 && shape < 92) contentType = WRONG_TYPES[shape % WRONG_TYPES.length]!;
  else if (shape >= 92 && shape < 96) path = UNKNOWN_PATHS[shape % UNKNOWN_PATHS.length]!;
  else if (shape >= 96) [method, path] = WRONG_METHODS[shape % WRONG_METHODS.length]!;
  const label = `${method} ${path} (${contentType}) ${body.kind} ${body.bytes.length} bytes`;
  try {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { 'content-type': contentType },
      ...(method === 'GET' ? {} : { body: body.bytes }),
    });
    const text = await response.text();
    return {
      label,
      status: response.status,
      contentType: response.headers.get('content-type'),
      answer: parse(text),
      ...errorOf(parse(text)),
    };
  } catch (error) {
    return { label, status: 0, contentType: null, answer: undefined, error: `no answer: ${String((error as Error).cause ?? error)}` };
  }
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function errorOf(answer: unknown): { error?: string } {
  const error = (answer as { error?: unknown } | null)?.error;
  return typeof error === 'string' ? { error } : {};
}

/** Why an answer is not the documented refusal `{error, message, errors:[{path, code, message}]}`, or undefined. */
export function shapeProblem(attempt: HttpAttempt): string | undefined {
  if (!HTTP_REFUSALS.includes(attempt.status))
    return `status ${attempt.status} ${attempt.error ?? JSON.stringify(attempt.answer).slice(0, 200)}`;
  if (!attempt.contentType?.startsWith('application/json')) return `content-type ${attempt.contentType}`;
  const { error, message, errors } = (attempt.answer ?? {}) as { error?: unknown; message?: unknown; errors?: unknown };
  if (typeof error !== 'string' || typeof message !== 'string') return `no error/message: ${JSON.stringify(attempt.answer).slice(0, 200)}`;
  if (!Array.isArray(errors) || errors.length === 0) return `empty errors[]: ${JSON.stringify(attempt.answer).slice(0, 200)}`;
  const malformed = errors.find((entry: unknown) => {
    const { path, code, message: text } = (entry ?? {}) as Record<string, unknown>;
    return typeof path !== 'string' || typeof code !== 'string' || typeof text !== 'string';
  });
  return malformed === undefined ? undefined : `malformed entry ${JSON.stringify(malformed)}`;
}
