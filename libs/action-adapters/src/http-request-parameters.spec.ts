import { parseHttpRequestParameters, pathProblem } from './http-request-parameters';

describe('http.request parameters', () => {
  it.each(['/', '/deploy', '/actions/rotate-secret', '/payments?vendor=acme&amount=12.50', '/a:b/c@d', '/v1/items/%41x'])(
    'accepts the path %s',
    (path) => {
      expect(pathProblem(path)).toBeUndefined();
    },
  );

  it.each([
    ['deploy', 'no leading slash'],
    ['//evil.example/deploy', 'protocol-relative host'],
    ['http://evil.example/deploy', 'absolute URL'],
    ['/../admin', 'traversal'],
    ['/a/..', 'trailing traversal'],
    ['/%2e%2e/admin', 'encoded traversal'],
    ['/%2E%2E%2fadmin', 'encoded traversal, upper case'],
    ['/a\\..\\b', 'backslashes'],
    ['/a%5cb', 'encoded backslash'],
    ['/a b', 'space'],
    ['/a\r\nHost: evil', 'header injection'],
    ['/a%0d%0aX: y', 'encoded header injection'],
    ['/a%zz', 'invalid percent-encoding'],
    ['/a#fragment', 'fragment'],
    ['', 'empty'],
  ])('refuses the path %j (%s)', (path) => {
    expect(pathProblem(path)).toEqual(expect.any(String));
  });

  it('accepts a full, allow-listed request', () => {
    const result = parseHttpRequestParameters({
      method: 'POST',
      path: '/deploy',
      headers: { 'Content-Type': 'application/json', 'Idempotency-Key': 'k-1' },
      body: { version: '1.2.3' },
    });
    expect(result.ok).toBe(true);
  });

  it.each([
    [{ method: 'GET', path: '/x', headers: { Authorization: 'Bearer stolen' } }, 'headers.Authorization'],
    [{ method: 'GET', path: '/x', headers: { 'X-Countersign-Digest': 'ab' } }, 'not allowed'],
    [{ method: 'GET', path: '/x', headers: { Host: 'evil.example' } }, 'not allowed'],
    [{ method: 'GET', path: '/x', headers: { Accept: 'a\r\nX-Evil: 1' } }, 'line breaks'],
    [{ method: 'TRACE', path: '/x' }, 'method'],
    [{ method: 'post', path: '/x' }, 'method'],
    [{ method: 'GET', path: '/x', body: { a: 1 } }, 'GET request has no body'],
    [{ method: 'GET', path: '/x', url: 'http://evil.example' }, 'url'],
    [{ path: '/x' }, 'method'],
    [{ method: 'GET' }, 'path'],
  ])('refuses %j', (parameters, mentions) => {
    const result = parseHttpRequestParameters(parameters);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toContain(mentions);
  });
});
