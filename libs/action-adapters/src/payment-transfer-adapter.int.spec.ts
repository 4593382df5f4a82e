import { randomUUID } from 'node:crypto';
import { actionDigest, type CanonicalAction } from '@countersign/contracts';
import { freePort } from '@countersign/testing';
import { mayHaveTakenEffect } from './action-adapter';
import { PaymentTransferAdapter } from './payment-transfer-adapter';
import { startRecordingServer, type RecordingServer, type Route } from './testing/recording-server';

const TOKEN = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2ln';

function paymentAction(
  target: string,
  parameters: Record<string, unknown> = { payee: 'ACME GmbH', invoice: 'INV-2026-118' },
): CanonicalAction {
  return {
    kind: 'payment.transfer',
    target,
    environment: 'production',
    dataSensitivity: 'confidential',
    ownerTeam: 'platform',
    targetAddress: 'http://127.0.0.1:4380',
    parameters,
    amount: { value: '12500.00', currency: 'EUR' },
    window: { notBefore: '2026-11-20T10:00:00.000Z', notAfter: '2026-11-20T11:00:00.000Z' },
    requestId: randomUUID(),
  };
}

const contextFor = (action: CanonicalAction) => ({ requestId: action.requestId, digest: actionDigest(action) });

describe('PaymentTransferAdapter against a real HTTP server', () => {
  const servers: RecordingServer[] = [];
  const ok: Route = (_, res) => res.writeHead(201, { 'content-type': 'application/json' }).end('{"paymentId":"p-1"}');
  const start = async (route: Route, at = '/payments') => {
    const server = await startRecordingServer({ [at]: route });
    servers.push(server);
    return server;
  };
  afterAll(() => Promise.all(servers.map((server) => server.close())));

  it('POSTs the approved payment to /payments once, with the credential, binding headers and idempotency key', async () => {
    const target = await start(ok);
    const adapter = new PaymentTransferAdapter({ payments: target.url }, { timeoutMs: 1000 });
    const action = paymentAction('payments', { payee: 'ACME GmbH', invoice: 'INV-2026-118', reference: 'PO 4711' });
    const result = await adapter.execute(action, { token: TOKEN }, contextFor(action));
    expect(result).toEqual({ ok: true, status: 201, summary: 'POST /payments answered 201' });
    expect(target.received).toHaveLength(1);
    const [request] = target.received;
    expect(request).toMatchObject({ method: 'POST', url: '/payments' });
    expect(JSON.parse(request?.body ?? '')).toEqual({
      requestId: action.requestId,
      amount: { value: '12500.00', currency: 'EUR' },
      payee: 'ACME GmbH',
      invoice: 'INV-2026-118',
      reference: 'PO 4711',
    });
    expect(request?.headers).toMatchObject({
      authorization: `Bearer ${TOKEN}`,
      'x-countersign-request': action.requestId,
      'x-countersign-digest': actionDigest(action),
      'idempotency-key': action.requestId,
      'content-type': 'application/json',
    });
  });

  it('leaves out an invoice and reference the action does not have', async () => {
    const target = await start(ok);
    const adapter = new PaymentTransferAdapter({ payments: target.url }, { timeoutMs: 1000 });
    const action = paymentAction('payments', { payee: 'ACME GmbH' });
    await expect(adapter.execute(action, { token: TOKEN }, contextFor(action))).resolves.toMatchObject({ ok: true });
    expect(JSON.parse(target.received[0]?.body ?? '')).toEqual({
      requestId: action.requestId,
      amount: { value: '12500.00', currency: 'EUR' },
      payee: 'ACME GmbH',
    });
  });

  it('keeps the base URL path of a target', async () => {
    const target = await start(ok, '/api/v2/payments');
    const adapter = new PaymentTransferAdapter({ payments: `${target.url}/api/v2/` }, { timeoutMs: 1000 });
    const action = paymentAction('payments');
    await expect(adapter.execute(action, { token: TOKEN }, contextFor(action))).resolves.toMatchObject({ ok: true });
    expect(target.received.map((request) => request.url)).toEqual(['/api/v2/payments']);
  });

  it('reports a refusal as target_rejected with a short snippet, and does not retry', async () => {
    const target = await start((_, res) => res.writeHead(422).end('{"error":"payee_unknown"}\n'));
    const adapter = new PaymentTransferAdapter({ payments: target.url }, { timeoutMs: 1000 });
    const action = paymentAction('payments');
    await expect(adapter.execute(action, { token: TOKEN }, contextFor(action))).resolves.toEqual({
      ok: false,
      code: 'target_rejected',
      message: 'POST /payments answered 422: {"error":"payee_unknown"}',
    });
    expect(target.received).toHaveLength(1);
  });

  it('does not follow a redirect (it would carry the token elsewhere)', async () => {
    const target = await start((_, res) => res.writeHead(307, { location: '/elsewhere' }).end());
    const adapter = new PaymentTransferAdapter({ payments: target.url }, { timeoutMs: 1000 });
    const action = paymentAction('payments');
    const result = await adapter.execute(action, { token: TOKEN }, contextFor(action));
    expect(result).toMatchObject({ ok: false, code: 'target_rejected', message: expect.stringContaining('307') });
    expect(target.received.map((request) => request.url)).toEqual(['/payments']);
  });

  it('times out once, without retrying, and says the payment may have happened', async () => {
    const target = await start(() => undefined);
    const adapter = new PaymentTransferAdapter({ payments: target.url }, { timeoutMs: 300 });
    const action = paymentAction('payments');
    const result = await adapter.execute(action, { token: TOKEN }, contextFor(action));
    expect(result).toMatchObject({ ok: false, code: 'timeout' });
    expect(mayHaveTakenEffect(result)).toBe(true);
    expect(target.received).toHaveLength(1);
  });

  it('stops when the caller aborts', async () => {
    const target = await start(() => undefined);
    const adapter = new PaymentTransferAdapter({ payments: target.url }, { timeoutMs: 10_000 });
    const action = paymentAction('payments');
    const result = await adapter.execute(action, { token: TOKEN }, { ...contextFor(action), signal: AbortSignal.timeout(50) });
    expect(result).toMatchObject({ ok: false, code: 'aborted' });
    expect(mayHaveTakenEffect(result)).toBe(true);
  });

  it('reports a refused connection as a network error', async () => {
    const adapter = new PaymentTransferAdapter({ payments: `http://127.0.0.1:${await freePort()}` }, { timeoutMs: 1000 });
    const action = paymentAction('payments');
    await expect(adapter.execute(action, { token: TOKEN }, contextFor(action))).resolves.toMatchObject({
      ok: false,
      code: 'network_error',
    });
  });

  it('sends nothing for an action it refuses', async () => {
    const target = await start(ok);
    const adapter = new PaymentTransferAdapter({ payments: target.url }, { timeoutMs: 1000 });
    const unpriced = { ...paymentAction('payments'), amount: undefined };
    await expect(adapter.execute(unpriced, { token: TOKEN }, contextFor(unpriced))).resolves.toMatchObject({ code: 'missing_amount' });
    const tampered = paymentAction('payments');
    const approved = contextFor(tampered);
    tampered.amount = { value: '125000.00', currency: 'EUR' };
    await expect(adapter.execute(tampered, { token: TOKEN }, approved)).resolves.toMatchObject({ code: 'digest_mismatch' });
    expect(target.received).toHaveLength(0);
  });
});
