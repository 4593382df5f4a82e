import { randomUUID } from 'node:crypto';
import { actionDigest, type CanonicalAction } from '@countersign/contracts';
import type { ExecutionContext } from './action-adapter';
import { PaymentTransferAdapter } from './payment-transfer-adapter';

const TOKEN = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2ln';

function paymentAction(change: Partial<CanonicalAction> = {}): CanonicalAction {
  return {
    kind: 'payment.transfer',
    target: 'demo',
    environment: 'production',
    dataSensitivity: 'confidential',
    ownerTeam: 'platform',
    targetAddress: 'http://127.0.0.1:4380',
    parameters: { payee: 'ACME GmbH', invoice: 'INV-2026-118' },
    amount: { value: '12500.00', currency: 'EUR' },
    window: { notBefore: '2026-11-20T10:00:00.000Z', notAfter: '2026-11-20T11:00:00.000Z' },
    requestId: randomUUID(),
    ...change,
  };
}

const contextFor = (action: CanonicalAction): ExecutionContext => ({ requestId: action.requestId, digest: actionDigest(action) });

describe('PaymentTransferAdapter refusals (nothing is sent)', () => {
  // A registered target nobody listens on: any refusal must happen before the network.
  const adapter = new PaymentTransferAdapter({ demo: 'http://127.0.0.1:9' }, { timeoutMs: 1000 });
  let fetchSpy: jest.SpiedFunction<typeof fetch>;

  beforeEach(() => {
    fetchSpy = jest.spyOn(globalThis, 'fetch').mockRejectedValue(new Error('fetch must not be called'));
  });
  afterEach(() => fetchSpy.mockRestore());

  const refusals: [string, () => { action: CanonicalAction; context?: Partial<ExecutionContext>; token?: string }, string][] = [
    ['another action kind', () => ({ action: { ...paymentAction(), kind: 'http.request' } }), 'unsupported_kind'],
    ['another request id', () => ({ action: paymentAction(), context: { requestId: randomUUID() } }), 'context_mismatch'],
    [
      'a digest that does not match the action',
      () => ({ action: paymentAction(), context: { digest: 'ab'.repeat(32) } }),
      'digest_mismatch',
    ],
    ['a token with line breaks', () => ({ action: paymentAction(), token: 'a\r\nX-Evil: 1' }), 'invalid_credential'],
    ['an unregistered target', () => ({ action: paymentAction({ target: 'vendor-pay' }) }), 'unknown_target'],
    ['a prototype key as target', () => ({ action: paymentAction({ target: 'constructor' }) }), 'unknown_target'],
    ['parameters without a payee', () => ({ action: paymentAction({ parameters: { invoice: 'INV-1' } }) }), 'invalid_parameters'],
    [
      'parameters with more than payee, invoice and reference',
      () => ({ action: paymentAction({ parameters: { payee: 'ACME', iban: 'DE89370400440532013000' } }) }),
      'invalid_parameters',
    ],
    ['an action without an amount', () => ({ action: paymentAction({ amount: undefined }) }), 'missing_amount'],
    [
      'an amount that is not a contract amount',
      () => ({ action: paymentAction({ amount: { value: '1e6', currency: 'EUR' } }) }),
      'invalid_amount',
    ],
  ];

  it.each(refusals)('%s', async (_, make, code) => {
    const { action, context, token } = make();
    const result = await adapter.execute(action, { token: token ?? TOKEN }, { ...contextFor(action), ...context });
    expect(result).toMatchObject({ ok: false, code, message: expect.any(String) });
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it('names what is missing when the amount is absent', async () => {
    const action = paymentAction({ amount: undefined });
    await expect(adapter.execute(action, { token: TOKEN }, contextFor(action))).resolves.toEqual({
      ok: false,
      code: 'missing_amount',
      message: 'a payment.transfer action needs action.amount',
    });
  });

  it('refuses unusable configuration at construction', () => {
    expect(() => new PaymentTransferAdapter({ demo: 'ftp://example.test' }, { timeoutMs: 100 })).toThrow(/http/);
    expect(() => new PaymentTransferAdapter({ demo: 'http://example.test/?x=1' }, { timeoutMs: 100 })).toThrow(/query/);
    expect(() => new PaymentTransferAdapter({ demo: 'http://example.test' }, { timeoutMs: -1 })).toThrow(/timeoutMs/);
  });
});
