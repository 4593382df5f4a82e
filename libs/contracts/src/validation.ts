import type { z } from 'zod';

/** A structured error that names the offending field, as every ingress must answer with. */
export interface FieldError {
  path: string;
  code: string;
  message: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

export function toFieldErrors(error: z.ZodError, prefix = ''): FieldError[] {
  return error.issues.map((issue) => ({
    path: [prefix, ...issue.path.map(String)].filter(Boolean).join('.') || '(root)',
    code: issue.code,
    message: issue.message,
  }));
}

export function parseWith<S extends z.ZodType>(schema: S, input: unknown, prefix = ''): Parsed<z.output<S>> {
  const result = schema.safeParse(input);
  return result.success ? { ok: true, value: result.data } : { ok: false, errors: toFieldErrors(result.error, prefix) };
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Parses JSON bytes, turning a syntax error into the same structured shape. Bytes must be valid
 * UTF-8: a lenient decoder would swap bad sequences for U+FFFD and so read something that was not
 * sent. (JSON.parse itself is iterative in V8, so depth is no danger here; check input limits
 * before anything recursive reads the result.)
 */
export function parseJson(bytes: Uint8Array | string): Parsed<unknown> {
  let text: string;
  try {
    text = typeof bytes === 'string' ? bytes : STRICT_UTF8.decode(bytes);
  } catch {
    return { ok: false, errors: [{ path: '(root)', code: 'invalid_utf8', message: 'payload is not valid UTF-8' }] };
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, errors: [{ path: '(root)', code: 'invalid_json', message: (error as Error).message }] };
  }
}
