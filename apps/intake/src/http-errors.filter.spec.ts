import { HttpException, NotFoundException, type ArgumentsHost } from '@nestjs/common';
import { HttpErrorsFilter } from './http-errors.filter';

/** Runs the filter on one exception for one request and returns what it wrote. */
function answer(exception: unknown, request: { method: string; url: string } = { method: 'POST', url: '/v1/submissions' }) {
  const written: { status?: number; headers: Record<string, string>; body?: unknown } = { headers: {} };
  const response = {
    set statusCode(status: number) {
      written.status = status;
    },
    setHeader: (name: string, value: string) => void (written.headers[name] = value),
    end: (text: string) => void (written.body = JSON.parse(text)),
  };
  const host = { switchToHttp: () => ({ getRequest: () => request, getResponse: () => response }) } as unknown as ArgumentsHost;
  const logged: string[] = [];
  new HttpErrorsFilter({ error: (line) => void logged.push(line) }).catch(exception, host);
  return { ...written, logged };
}

describe('HttpErrorsFilter: every refusal in the documented shape', () => {
  it('shapes what the body parser refused before the controller ran', () => {
    const tooLarge = Object.assign(new Error('request entity too large'), { type: 'entity.too.large', status: 413 });
    expect(answer(tooLarge)).toMatchObject({
      status: 413,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: { error: 'body_too_large', message: 'request entity too large', errors: [{ path: 'body', code: 'body_too_large' }] },
    });
  });

  it('answers another method on a known path with 405 and Allow, an unknown path with 404', () => {
    const notFound = new NotFoundException('Cannot GET /v1/submissions');
    expect(answer(notFound, { method: 'GET', url: '/v1/submissions?x=1' })).toMatchObject({
      status: 405,
      headers: { allow: 'POST' },
      body: { error: 'method_not_allowed', errors: [{ path: 'method', code: 'method_not_allowed' }] },
    });
    expect(answer(notFound, { method: 'POST', url: '/admin' })).toMatchObject({
      status: 404,
      body: { error: 'not_found', errors: [{ path: 'path', code: 'not_found' }] },
    });
  });

  it('passes a refusal already in the documented shape through unchanged', () => {
    const body = {
      error: 'bad_signature',
      message: 'signature does not verify',
      errors: [{ path: 'signature', code: 'bad_signature', message: 'x' }],
    };
    expect(answer(new HttpException(body, 401))).toMatchObject({ status: 401, body });
  });

  it('gives an HttpException in Nest’s own shape an error code and a field error', () => {
    expect(answer(new HttpException('Payload Too Large', 413))).toMatchObject({
      status: 413,
      body: { error: 'payload_too_large', message: 'Payload Too Large', errors: [{ path: '(root)', code: 'payload_too_large' }] },
    });
  });

  it('answers its own faults with 500 internal_error, logged, without their detail', () => {
    const { status, body, logged } = answer(new TypeError('secret detail'));
    expect(status).toBe(500);
    expect(body).toEqual({
      error: 'internal_error',
      message: 'the request could not be handled',
      errors: [{ path: '(root)', code: 'internal_error', message: 'the request could not be handled' }],
    });
    expect(logged.join('\n')).toContain('secret detail');
  });
});
