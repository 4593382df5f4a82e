import { HttpException, type HttpStatus } from '@nestjs/common';
import type { FieldError } from '@countersign/contracts';
import type { ServerResponse } from 'node:http';

/** The one documented shape of every HTTP refusal (docs/protocol.md, section 12). */
export interface ErrorBody {
  error: string;
  message: string;
  errors: FieldError[];
}

/** A refusal in the documented shape: `errors` is never empty, it names at least the field at fault. */
export function errorBody(code: string, message: string, path = '(root)', errors: FieldError[] = []): ErrorBody {
  return { error: code, message, errors: errors.length > 0 ? errors : [{ path, code, message }] };
}

export function refusal(status: HttpStatus, code: string, message: string, path = '(root)', errors: FieldError[] = []): HttpException {
  return new HttpException(errorBody(code, message, path, errors), status);
}

/** body-parser's errors, by their `type`: the request never reached a controller. */
export const BODY_PARSER_ERRORS: Readonly<Record<string, string>> = {
  'entity.too.large': 'body_too_large',
  'entity.parse.failed': 'invalid_json',
  'encoding.unsupported': 'unsupported_encoding',
  'charset.unsupported': 'unsupported_charset',
  'request.aborted': 'request_aborted',
  'request.size.invalid': 'body_size_mismatch',
};

/** What body-parser refused, as a status and code, or undefined for any other error. */
export function parserRefusal(exception: unknown): { status: number; code: string; message: string } | undefined {
  const { type, status, message } = (exception ?? {}) as { type?: unknown; status?: unknown; message?: unknown };
  const code = typeof type === 'string' ? BODY_PARSER_ERRORS[type] : undefined;
  if (!code || typeof status !== 'number' || status < 400 || status > 499) return undefined;
  return { status, code, message: String(message) };
}

/** The shaped body of an HttpException, when it already is one; undefined for Nest's own shape. */
export function shapedBody(exception: HttpException): ErrorBody | undefined {
  const body = exception.getResponse() as Partial<ErrorBody> | string;
  if (typeof body !== 'object' || typeof body.error !== 'string' || !Array.isArray(body.errors) || body.errors.length === 0)
    return undefined;
  return { ...body, message: typeof body.message === 'string' ? body.message : body.error } as ErrorBody;
}

export function sendError(response: ServerResponse, status: number, body: ErrorBody, headers: Record<string, string> = {}): void {
  response.statusCode = status;
  for (const [name, value] of Object.entries({ ...headers, 'content-type': 'application/json; charset=utf-8' }))
    response.setHeader(name, value);
  response.end(JSON.stringify(body));
}
