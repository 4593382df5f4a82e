import { z } from 'zod';

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/**
 * Headers an action may set. Everything else is refused rather than dropped: approvers approved
 * these exact parameters, and silently sending something different would break that promise.
 * Authorization and X-Countersign-* come only from the executor, never from the request.
 */
export const ALLOWED_REQUEST_HEADERS: readonly string[] = ['accept', 'content-type', 'idempotency-key', 'if-match', 'if-none-match'];

const HeaderValue = z
  .string()
  .max(1024)
  .regex(/^[\t\x20-\x7e]*$/, 'printable ASCII without line breaks');

const RequestHeaders = z.record(z.string(), HeaderValue).superRefine((headers, ctx) => {
  for (const name of Object.keys(headers)) {
    if (!ALLOWED_REQUEST_HEADERS.includes(name.toLowerCase())) {
      ctx.addIssue({ code: 'custom', message: `header ${name} is not allowed`, path: [name] });
    }
  }
});

const RequestPath = z
  .string()
  .min(1)
  .max(2048)
  .superRefine((path, ctx) => {
    const problem = pathProblem(path);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

export const HttpRequestParameters = z
  .strictObject({
    method: z.enum(HTTP_METHODS),
    path: RequestPath,
    headers: RequestHeaders.optional(),
    body: z.unknown().optional(),
  })
  .refine((parameters) => parameters.method !== 'GET' || parameters.body === undefined, {
    message: 'a GET request has no body',
    path: ['body'],
  });
export type HttpRequestParameters = z.infer<typeof HttpRequestParameters>;

/**
 * A path is appended to a registered base URL, so it must not be able to leave it: no scheme or
 * host (`//evil`), no traversal, also when percent-encoded (URL parsers decode `%2e%2e` to `..`),
 * no backslashes (some servers read them as slashes), no whitespace or control characters.
 */
export function pathProblem(path: string): string | undefined {
  if (!path.startsWith('/') || path.startsWith('//')) return 'path must start with a single /';
  const decoded = unlessThrown(() => decodeURIComponent(path));
  if (decoded === undefined) return 'path has invalid percent-encoding';
  for (const form of [path, decoded]) {
    if (form.includes('..')) return 'path must not contain ..';
    if (form.includes('\\')) return 'path must not contain backslashes';
    // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused here
    if (/[\x00-\x20\x7f]/.test(form)) return 'path must not contain whitespace or control characters';
  }
  if (path.includes('#')) return 'path must not contain a fragment';
  return undefined;
}

/** What `compute` returns, or undefined when it throws: for a check that treats "cannot tell" as "no". */
export function unlessThrown<T>(compute: () => T): T | undefined {
  try {
    return compute();
  } catch {
    return undefined;
  }
}

export type ParsedParameters = { ok: true; value: HttpRequestParameters } | { ok: false; message: string };

export function parseHttpRequestParameters(candidate: unknown): ParsedParameters {
  const parsed = HttpRequestParameters.safeParse(candidate);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'parameters'}: ${issue.message}`);
  return { ok: false, message: issues.join('; ') };
}
