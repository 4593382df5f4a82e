import { randomUUID } from 'node:crypto';
import { actionDigest, type CanonicalAction } from '@countersign/contracts';
import { freePort } from '@countersign/testing';
import { mayHaveTakenEffect } from './action-adapter';
import { HttpRequestAdapter } from './http-request-adapter';
import { startRecordingServer, type RecordingServer, type Route } from './testing/recording-server';

const TOKEN = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2ln';

function httpAction(parameters: Record<string, unknown>, target = 'demo'): CanonicalAction {
  return {
    kind: 'http.request',
    target,
    environment: 'production',
    dataSensitivity: 'confidential',
    ownerTeam: 'platform',
    targetAddress: 'http://127.0.0.1:4380',
    parameters,
    window: { notBefore: '2026-11-20T10:00:00.000Z', notAfter: '2026-11-20T11:00:00.000Z' },
    requestId: randomUUID(),
  };
}

const contextFor = (action: CanonicalAction) => ({ requestId: action.requestId, digest: actionDigest(action) });

describe('HttpRequestAdapter against a real HTTP server', () => {
  let target: RecordingServer;
  let adapter: HttpRequestAdapter;
  const ok: Route = (_, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');

  beforeAll(async () => {
    target = await startRecordingServer({
      '/deploy': ok,
      '/api/deploy': ok,
      '/broken': (_, res) => res.writeHead(500).end('database is on fire\n'),
      '/huge': (_, res) => res.writeHead(400).end('x'.repeat(5_000_000)),
      '/redirect': (_, res) => res.writeHead(302, { location: '/deploy' }).end(),
      '/slow': () => undefined,
    });
    adapter = new HttpRequestAdapter({ demo: target.url, prefixed: `${target.url}/api/` }, { timeoutMs: 300 });
  });
  beforeEach(() => target.received.splice(0));
  afterAll(() => target.close());

  it('sends the method, path, body and the Countersign headers, and reports 2xx as ok', async () => {
    const action = httpAction({
      method: 'POST',
      path: '/deploy?env=prod',
      headers: { 'Idempotency-Key': 'k-1' },
      body: { version: '1.2.3' },
    });
    const result = await adapter.execute(action, { token: TOKEN }, contextFor(action));
    expect(result).toEqual({ ok: true, status: 200, summary: 'POST /deploy answered 200' });
    expect(target.received).toHaveLength(1);
    const [request] = target.received;
    expect(request).toMatchObject({ method: 'POST', url: '/deploy?env=prod', body: '{"version":"1.2.3"}' });
    expect(request?.headers).toMatchObject({
      authorization: `Bearer ${TOKEN}`,
      'x-countersign-request': action.requestId,
      'x-countersign-digest': actionDigest(action),
      'content-type': 'application/json',
      'idempotency-key': 'k-1',
    });
  });

  it('keeps the base URL path of a target', async () => {
    const action = httpAction({ method: 'PUT', path: '/deploy' }, 'prefixed');
    await expect(adapter.execute(action, { token: TOKEN }, contextFor(action))).resolves.toMatchObject({ ok: true });
    expect(target.received[0]?.url).toBe('/api/deploy');
  });

  it('reports other statuses as target_rejected with the status and a short snippet', async () => {
    const action = httpAction({ method: 'DELETE', path: '/broken' });
    const result = await adapter.execute(action, { token: TOKEN }, contextFor(action));
    expect(result).toEqual({ ok: false, code: 'target_rejected', message: 'DELETE /broken answered 500: database is on fire' });
  });

  it('never buffers a huge response body', async () => {
    const action = httpAction({ method: 'PATCH', path: '/huge' });
    const result = await adapter.execute(action, { token: TOKEN }, contextFor(action));
    expect(result).toMatchObject({ ok: false, code: 'target_rejected' });
    expect(!result.ok && result.message.length).toBeLessThan(260);
  });

  it('does not follow redirects', async () => {
    const action = httpAction({ method: 'POST', path: '/redirect' });
    const result = await adapter.execute(action, { token: TOKEN }, contextFor(action));
    expect(result).toMatchObject({ ok: false, code: 'target_rejected', message: expect.stringContaining('302') });
    expect(target.received.map((request) => request.url)).toEqual(['/redirect']);
  });

  it('times out, and says the effect may have happened', async () => {
    const action = httpAction({ method: 'POST', path: '/slow' });
    const result = await adapter.execute(action, { token: TOKEN }, contextFor(action));
    expect(result).toMatchObject({ ok: false, code: 'timeout' });
    expect(mayHaveTakenEffect(result)).toBe(true);
  });

  it('stops when the caller aborts', async () => {
    const action = httpAction({ method: 'POST', path: '/slow' });
    const slowAdapter = new HttpRequestAdapter({ demo: target.url }, { timeoutMs: 10_000 });
    const result = await slowAdapter.execute(action, { token: TOKEN }, { ...contextFor(action), signal: AbortSignal.timeout(50) });
    expect(result).toMatchObject({ ok: false, code: 'aborted' });
  });

  it('reports a refused connection as a network error', async () => {
    const closed = new HttpRequestAdapter({ demo: `http://127.0.0.1:${await freePort()}` }, { timeoutMs: 1000 });
    const action = httpAction({ method: 'POST', path: '/deploy' });
    await expect(closed.execute(action, { token: TOKEN }, contextFor(action))).resolves.toMatchObject({ ok: false, code: 'network_error' });
  });

  describe('refuses before sending anything', () => {
    const refusals: [string, () => { action: CanonicalAction; context?: object; token?: string }, string][] = [
      ['an unregistered target', () => ({ action: httpAction({ method: 'POST', path: '/deploy' }, 'payments') }), 'unknown_target'],
      ['a prototype key as target', () => ({ action: httpAction({ method: 'POST', path: '/deploy' }, 'constructor') }), 'unknown_target'],
      [
        'another action kind',
        () => ({ action: { ...httpAction({ method: 'POST', path: '/deploy' }), kind: 'sql.migrate' } }),
        'unsupported_kind',
      ],
      [
        'an Authorization header from the parameters',
        () => ({ action: httpAction({ method: 'GET', path: '/deploy', headers: { Authorization: 'Bearer x' } }) }),
        'invalid_parameters',
      ],
      [
        'a path that leaves the target',
        () => ({ action: httpAction({ method: 'GET', path: '//evil.example/deploy' }) }),
        'invalid_parameters',
      ],
      [
        'a digest that does not match the action',
        () => ({ action: httpAction({ method: 'POST', path: '/deploy' }), context: { digest: 'ab'.repeat(32) } }),
        'digest_mismatch',
      ],
      [
        'another request id',
        () => ({ action: httpAction({ method: 'POST', path: '/deploy' }), context: { requestId: randomUUID() } }),
        'context_mismatch',
      ],
      [
        'a token with line breaks',
        () => ({ action: httpAction({ method: 'POST', path: '/deploy' }), token: 'a\r\nX-Evil: 1' }),
        'invalid_credential',
      ],
    ];

    it.each(refusals)('%s', async (_, make, code) => {
      const { action, context, token } = make();
      const result = await adapter.execute(action, { token: token ?? TOKEN }, { ...contextFor(action), ...context });
      expect(result).toMatchObject({ ok: false, code });
      expect(target.received).toHaveLength(0);
    });
  });

  it('refuses unusable target configuration at construction', () => {
    expect(() => new HttpRequestAdapter({ demo: 'ftp://example.test' }, { timeoutMs: 100 })).toThrow(/http/);
    expect(() => new HttpRequestAdapter({ demo: 'http://user:pw@example.test' }, { timeoutMs: 100 })).toThrow(/credentials/);
    expect(() => new HttpRequestAdapter({ demo: 'http://example.test' }, { timeoutMs: 0 })).toThrow(/timeoutMs/);
  });
});
