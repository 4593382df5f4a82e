import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// eslint-disable-next-line @nx/enforce-module-boundaries -- test only: proves the executor's real adapter against this target
import { HttpRequestAdapter } from '@countersign/action-adapters';
import type { CanonicalAction } from '@countersign/contracts';
import { freePort } from '@countersign/testing';
import { createDemoTarget, type DemoTarget } from './server';
import { broker, expectExecutedExactlyOnce, mint, TARGET, type Minted } from './testing/tokens';

describe('demo target (real HTTP server, real SQLite file)', () => {
  let dir: string;
  let port: number;
  let target: DemoTarget;
  let baseUrl: string;

  const start = async () => {
    target = createDemoTarget({
      brokerKey: broker.publicKey,
      brokerKeyId: broker.keyId,
      targetName: TARGET,
      aliases: ['demo-staging'],
      dbPath: join(dir, 'demo-target.sqlite'),
    });
    baseUrl = await target.listen(port);
  };

  const call = async (path: string, minted: Minted, change: { digest?: string; method?: string } = {}) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method: change.method ?? 'POST',
      headers: {
        authorization: `Bearer ${minted.token}`,
        'x-countersign-request': minted.requestId,
        'x-countersign-digest': change.digest ?? minted.digest,
        'content-type': 'application/json',
      },
      body: '{"version":"1.2.3"}',
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  const effects = async (requestId?: string) => {
    const response = await fetch(`${baseUrl}/effects${requestId ? `?requestId=${requestId}` : ''}`);
    return ((await response.json()) as { effects: Record<string, unknown>[] }).effects;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'demo-target-'));
    port = await freePort();
    await start();
  });
  afterAll(async () => {
    await target.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers health checks', async () => {
    const response = await fetch(`${baseUrl}/healthz`);
    expect(response.status).toBe(200);
    await expect(response.json()).resolves.toEqual({ ok: true, target: TARGET });
  });

  it('accepts a valid token once and records the effect', async () => {
    const minted = await mint();
    const first = await call('/deploy', minted);
    expect(first).toEqual({ status: 200, body: { ok: true, effectId: expect.any(String) } });
    expect(await effects(minted.requestId)).toEqual([
      {
        effectId: first.body['effectId'],
        requestId: minted.requestId,
        digest: minted.digest,
        jti: expect.any(String),
        method: 'POST',
        path: '/deploy',
        at: expect.any(String),
      },
    ]);
    expect(await call('/deploy', minted)).toEqual({ status: 409, body: { error: 'token_reused' } });
    expect(await call('/payments', minted, { method: 'PUT' })).toEqual({ status: 409, body: { error: 'token_reused' } });
    expect(await effects(minted.requestId)).toHaveLength(1);
  });

  it('accepts any writing path and method', async () => {
    for (const [method, path] of [
      ['POST', '/actions/restart'],
      ['PUT', '/actions/rotate-secret'],
      ['DELETE', '/actions/firewall/rule-7'],
    ] as const) {
      const minted = await mint();
      expect((await call(path, minted, { method })).status).toBe(200);
    }
  });

  it('lets exactly one of many concurrent uses of a token through', async () => {
    const minted = await mint();
    const results = await Promise.all(Array.from({ length: 12 }, () => call('/deploy', minted)));
    expect(results.filter((result) => result.status === 200)).toHaveLength(1);
    expect(results.filter((result) => result.status === 409)).toHaveLength(11);
    expect(await effects(minted.requestId)).toHaveLength(1);
  });

  it.each([
    ['an expired token', async () => mint({ now: new Date(Date.now() - 3_600_000) }), {}, 'expired'],
    ['a token for another digest', async () => mint(), { digest: 'ab'.repeat(32) }, 'digest_mismatch'],
    ['a token for another target', async () => mint({ target: 'payments' }), {}, 'target_mismatch'],
    ['a token for another executor', async () => mint({ executor: 'service:audit' }), {}, 'wrong_audience'],
    ['a token from another key', async () => mint({ privateKey: generateKeyPairSync('ed25519').privateKey }), {}, 'bad_signature'],
    [
      'a token from another key id',
      async () => mint({ privateKey: generateKeyPairSync('ed25519').privateKey, keyId: 'service:broker#ffff' }),
      {},
      'unknown_key',
    ],
    [
      'an unsigned alg none token',
      async () => ({ ...(await mint()), token: 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.' }),
      {},
      'alg_not_allowed',
    ],
    ['a token that is not a JWT', async () => ({ ...(await mint()), token: 'secret-api-key' }), {}, 'malformed'],
  ] as const)('rejects %s with 401 and records nothing', async (_, make, change, code) => {
    const minted = await make();
    expect(await call('/deploy', minted, change)).toEqual({ status: 401, body: { error: code } });
    expect(await effects(minted.requestId)).toHaveLength(0);
  });

  it('honours a token minted for another registered name of this same system (an alias)', async () => {
    const minted = await mint({ target: 'demo-staging' });
    expect((await call('/deploy', minted)).status).toBe(200);
    expect(await effects(minted.requestId)).toHaveLength(1);
  });

  it('rejects a request without token or binding headers', async () => {
    expect((await fetch(`${baseUrl}/deploy`, { method: 'POST' })).status).toBe(401);
    const minted = await mint();
    const response = await fetch(`${baseUrl}/deploy`, { method: 'POST', headers: { authorization: `Bearer ${minted.token}` } });
    expect(response.status).toBe(401);
    await expect(response.json()).resolves.toEqual({ error: 'missing_binding' });
  });

  it('still refuses a used token after a restart', async () => {
    const minted = await mint();
    expect((await call('/deploy', minted)).status).toBe(200);
    const before = await effects();
    await target.close();
    await start();
    expect(await effects()).toEqual(before);
    expect(await call('/deploy', minted)).toEqual({ status: 409, body: { error: 'token_reused' } });
    expect((await call('/deploy', await mint())).status).toBe(200);
  });

  it('executes an approved http.request through the HttpRequestAdapter exactly once', async () => {
    const action: CanonicalAction = {
      kind: 'http.request',
      target: TARGET,
      environment: 'staging',
      dataSensitivity: 'confidential',
      ownerTeam: 'platform',
      targetAddress: 'http://127.0.0.1:4380',
      parameters: { method: 'POST', path: '/deploy', body: { version: '2.0.0' } },
      window: { notBefore: new Date(Date.now() - 60_000).toISOString(), notAfter: new Date(Date.now() + 3_600_000).toISOString() },
      requestId: randomUUID(),
    };
    const adapter = new HttpRequestAdapter({ [TARGET]: baseUrl }, { timeoutMs: 5000 });
    const digest = await expectExecutedExactlyOnce(adapter, action, 'POST /deploy answered 200');
    expect(await effects(action.requestId)).toMatchObject([{ requestId: action.requestId, digest, method: 'POST', path: '/deploy' }]);
  });
});
