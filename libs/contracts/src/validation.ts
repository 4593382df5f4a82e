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

/** Parses JSON bytes, turning a syntax error into the same structured shape. */
export function parseJson(bytes: Uint8Array | string): Parsed<unknown> {
  try {
    const text = typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8');
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, errors: [{ path: '(root)', code: 'invalid_json', message: (error as Error).message }] };
  }
}
