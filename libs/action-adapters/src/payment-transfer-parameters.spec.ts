import { parsePaymentAmount, parsePaymentTransferParameters } from './payment-transfer-parameters';

describe('payment.transfer parameters', () => {
  it.each([
    ['a payee only', { payee: 'ACME GmbH' }],
    ['a payee and an invoice', { payee: 'ACME GmbH', invoice: 'INV-2026-118' }],
    ['all three, not only ASCII', { payee: 'Müller & Söhne KG', invoice: 'INV-2026-118', reference: 'RF18 5390 0754 7034' }],
    ['all three at their longest', { payee: 'x'.repeat(140), invoice: 'i'.repeat(64), reference: 'r'.repeat(140) }],
  ])('accepts %s', (_, parameters) => {
    expect(parsePaymentTransferParameters(parameters)).toEqual({ ok: true, value: parameters });
  });

  it.each([
    ['no payee', {}, 'payee'],
    ['an empty payee', { payee: '' }, 'payee'],
    ['a blank payee', { payee: '   ' }, 'not only whitespace'],
    ['a payee over 140 characters', { payee: 'x'.repeat(141) }, 'payee'],
    ['a payee that is not a string', { payee: 42 }, 'payee'],
    ['a payee with a line break', { payee: 'ACME\r\nX-Evil: 1' }, 'line breaks'],
    ['a payee with a Unicode line separator', { payee: 'ACME\u2028GmbH' }, 'line breaks'],
    ['a payee with a NUL', { payee: 'ACME\u0000' }, 'control characters'],
    ['an empty invoice', { payee: 'ACME', invoice: '' }, 'invoice'],
    ['an invoice over 64 characters', { payee: 'ACME', invoice: 'i'.repeat(65) }, 'invoice'],
    ['a reference over 140 characters', { payee: 'ACME', reference: 'r'.repeat(141) }, 'reference'],
    ['a null reference', { payee: 'ACME', reference: null }, 'reference'],
    ['an amount among the parameters', { payee: 'ACME', amount: { value: '1.00', currency: 'EUR' } }, 'amount'],
    ['an account number', { payee: 'ACME', iban: 'DE89370400440532013000' }, 'iban'],
    ['a path', { payee: 'ACME', path: '/elsewhere' }, 'path'],
  ])('refuses %s', (_, parameters, mentions) => {
    const parsed = parsePaymentTransferParameters(parameters);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.message).toContain(mentions);
  });
});

describe('payment.transfer amount', () => {
  it('accepts a contract amount', () => {
    expect(parsePaymentAmount({ value: '12500.00', currency: 'EUR' })).toEqual({ ok: true, value: { value: '12500.00', currency: 'EUR' } });
  });

  it('requires one', () => {
    expect(parsePaymentAmount(undefined)).toMatchObject({
      ok: false,
      code: 'missing_amount',
      message: expect.stringContaining('action.amount'),
    });
  });

  it.each([
    [{ value: '12500', currency: 'eur' }, 'amount.currency'],
    [{ value: '-1.00', currency: 'EUR' }, 'amount.value'],
    [{ value: 12500, currency: 'EUR' }, 'amount.value'],
    [{ value: '1.00', currency: 'EUR', fee: '0.10' }, 'fee'],
  ])('refuses %j', (amount, mentions) => {
    const parsed = parsePaymentAmount(amount);
    expect(parsed).toMatchObject({ ok: false, code: 'invalid_amount' });
    expect(!parsed.ok && parsed.message).toContain(mentions);
  });
});
