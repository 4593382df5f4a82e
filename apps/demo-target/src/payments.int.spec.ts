import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
// eslint-disable-next-line @nx/enforce-module-boundaries -- test only: proves the executor's real adapter against this target
import { PaymentTransferAdapter } from '@countersign/action-adapters';
import type { CanonicalAction } from '@countersign/contracts';
import { EffectLog } from './effect-log';
import { createDemoTarget, type DemoTarget } from './server';
import { broker, expectExecutedExactlyOnce, mint, TARGET, type Minted } from './testing/tokens';

const instruction = (minted: Minted, change: Record<string, unknown> = {}) => ({
  requestId: minted.requestId,
  amount: { value: '12500.00', currency: 'EUR' },
  payee: 'ACME GmbH',
  invoice: 'INV-2026-118',
  ...change,
});

describe('demo target payments (POST /payments, real HTTP server, real SQLite file)', () => {
  let dir: string;
  let target: DemoTarget;
  let baseUrl: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'demo-target-payments-'));
    target = createDemoTarget({
      brokerKey: broker.publicKey,
      brokerKeyId: broker.keyId,
      targetName: TARGET,
      dbPath: join(dir, 'target.sqlite'),
    });
    baseUrl = await target.listen(0);
  });
  afterAll(async () => {
    await target.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const pay = async (minted: Minted, body: unknown, headers: Record<string, string | undefined> = {}) => {
    const all: Record<string, string | undefined> = {
      authorization: `Bearer ${minted.token}`,
      'x-countersign-request': minted.requestId,
      'x-countersign-digest': minted.digest,
      'idempotency-key': minted.requestId,
      'content-type': 'application/json',
      ...headers,
    };
    const response = await fetch(`${baseUrl}/payments`, {
      method: 'POST',
      headers: Object.fromEntries(Object.entries(all).filter((entry): entry is [string, string] => entry[1] !== undefined)),
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  const effects = async (requestId: string) => {
    const response = await fetch(`${baseUrl}/effects?requestId=${requestId}`);
    return ((await response.json()) as { effects: Record<string, unknown>[] }).effects;
  };

  it('pays once and records the payment, with its amount, in /effects', async () => {
    const minted = await mint();
    const first = await pay(minted, instruction(minted, { reference: 'PO 4711' }));
    expect(first).toEqual({ status: 200, body: { ok: true, effectId: expect.any(String) } });
    expect(await effects(minted.requestId)).toEqual([
      {
        effectId: first.body['effectId'],
        requestId: minted.requestId,
        digest: minted.digest,
        jti: expect.any(String),
        method: 'POST',
        path: '/payments',
        at: expect.any(String),
        payment: { amount: { value: '12500.00', currency: 'EUR' }, payee: 'ACME GmbH', invoice: 'INV-2026-118', reference: 'PO 4711' },
      },
    ]);
    expect(await pay(minted, instruction(minted))).toEqual({ status: 409, body: { error: 'token_reused' } });
    expect(await effects(minted.requestId)).toHaveLength(1);
  });

  it('checks the token before it looks at the payment', async () => {
    const minted = await mint();
    expect(await pay(minted, 'not json', { 'x-countersign-digest': 'ab'.repeat(32) })).toEqual({
      status: 401,
      body: { error: 'digest_mismatch' },
    });
    expect(await pay(minted, instruction(minted), { authorization: undefined })).toEqual({ status: 401, body: { error: 'missing_token' } });
    expect(await effects(minted.requestId)).toHaveLength(0);
  });

  it.each([
    ['a body that is not JSON', () => '{"requestId":', {}, 'invalid_payment'],
    ['no amount', (m: Minted) => ({ ...instruction(m), amount: undefined }), {}, 'invalid_payment'],
    ['an amount that is a number', (m: Minted) => instruction(m, { amount: { value: 12500, currency: 'EUR' } }), {}, 'invalid_payment'],
    ['a lower-case currency', (m: Minted) => instruction(m, { amount: { value: '12500.00', currency: 'eur' } }), {}, 'invalid_payment'],
    ['no payee', (m: Minted) => ({ ...instruction(m), payee: undefined }), {}, 'invalid_payment'],
    ['a payee with a line break', (m: Minted) => instruction(m, { payee: 'ACME\nGmbH' }), {}, 'invalid_payment'],
    ['a field the target does not know', (m: Minted) => instruction(m, { iban: 'DE89370400440532013000' }), {}, 'invalid_payment'],
    ['a payment for another request', (m: Minted) => instruction(m, { requestId: randomUUID() }), {}, 'request_mismatch'],
    ['no Idempotency-Key', (m: Minted) => instruction(m), { 'idempotency-key': undefined }, 'idempotency_key_mismatch'],
    ['another Idempotency-Key', (m: Minted) => instruction(m), { 'idempotency-key': randomUUID() }, 'idempotency_key_mismatch'],
  ])('refuses %s with 400, records nothing and leaves the token unspent', async (_, body, headers, error) => {
    const minted = await mint();
    expect(await pay(minted, body(minted), headers)).toEqual({ status: 400, body: { error, message: expect.any(String) } });
    expect(await effects(minted.requestId)).toHaveLength(0);
    expect((await pay(minted, instruction(minted))).status).toBe(200);
  });

  it('executes an approved payment.transfer through the PaymentTransferAdapter exactly once', async () => {
    const action: CanonicalAction = {
      kind: 'payment.transfer',
      target: TARGET,
      environment: 'production',
      dataSensitivity: 'confidential',
      ownerTeam: 'platform',
      targetAddress: 'http://127.0.0.1:4380',
      parameters: { payee: 'ACME GmbH', invoice: 'INV-2026-118' },
      amount: { value: '12500.00', currency: 'EUR' },
      window: { notBefore: new Date(Date.now() - 60_000).toISOString(), notAfter: new Date(Date.now() + 3_600_000).toISOString() },
      requestId: randomUUID(),
    };
    const adapter = new PaymentTransferAdapter({ [TARGET]: baseUrl }, { timeoutMs: 5000 });
    const digest = await expectExecutedExactlyOnce(adapter, action, 'POST /payments answered 200');
    expect(await effects(action.requestId)).toMatchObject([
      {
        requestId: action.requestId,
        digest,
        method: 'POST',
        path: '/payments',
        payment: { amount: { value: '12500.00', currency: 'EUR' }, payee: 'ACME GmbH', invoice: 'INV-2026-118' },
      },
    ]);
  });

  it('upgrades an effect log written before payments existed, keeping its effects', () => {
    const path = join(dir, 'old.sqlite');
    const old = new Database(path);
    old.exec(`
      CREATE TABLE used_tokens (jti TEXT PRIMARY KEY, effect_id TEXT NOT NULL, used_at TEXT NOT NULL);
      CREATE TABLE effects (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, effect_id TEXT NOT NULL UNIQUE, request_id TEXT NOT NULL, digest TEXT NOT NULL,
        jti TEXT NOT NULL UNIQUE REFERENCES used_tokens (jti), method TEXT NOT NULL, path TEXT NOT NULL, at TEXT NOT NULL
      );
      INSERT INTO used_tokens VALUES ('jti-1', 'e-1', '2026-11-20T10:00:00.000Z');
      INSERT INTO effects (effect_id, request_id, digest, jti, method, path, at) VALUES ('e-1', 'r-1', 'd-1', 'jti-1', 'POST', '/deploy', '2026-11-20T10:00:00.000Z');
    `);
    old.close();
    const log = new EffectLog(path);
    const payment = { amount: { value: '1.00', currency: 'EUR' }, payee: 'ACME GmbH' };
    const at = '2026-11-20T10:01:00.000Z';
    expect(
      log.record({ effectId: 'e-2', requestId: 'r-2', digest: 'd-2', jti: 'jti-2', method: 'POST', path: '/payments', at, payment }),
    ).toBe('recorded');
    expect(log.list()).toEqual([
      { effectId: 'e-1', requestId: 'r-1', digest: 'd-1', jti: 'jti-1', method: 'POST', path: '/deploy', at: '2026-11-20T10:00:00.000Z' },
      { effectId: 'e-2', requestId: 'r-2', digest: 'd-2', jti: 'jti-2', method: 'POST', path: '/payments', at, payment },
    ]);
    log.close();
    // Opening it again finds the column there and changes nothing.
    const reopened = new EffectLog(path);
    expect(reopened.list()).toHaveLength(2);
    reopened.close();
  });
});
