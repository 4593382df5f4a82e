import { z } from 'zod';
import { Amount } from '@countersign/contracts';

/** Where the demo target takes payments (the executor's payment.transfer adapter POSTs here). */
export const PAYMENTS_PATH = '/payments';

const Text = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[^\p{Cc}\p{Zl}\p{Zp}]*$/u, 'no control characters or line breaks');

/** The payment instruction as it arrives. Strict: a field the target does not know is refused. */
const PaymentInstruction = z.strictObject({
  requestId: z.string().min(1).max(64),
  amount: z.strictObject(Amount.shape),
  payee: Text(140),
  invoice: Text(64).optional(),
  reference: Text(140).optional(),
});

/** What the demo target records for a payment, next to the effect it belongs to. */
export interface Payment {
  amount: Amount;
  payee: string;
  invoice?: string;
  reference?: string;
}

export type PaymentRead = { ok: true; payment: Payment } | { ok: false; error: string; message: string };

/**
 * A payment is honoured only for the request the verified token was minted for: the body's request
 * id and the Idempotency-Key must both be that request id. The demo target cannot recompute the
 * action digest (it does not receive the whole action), so the amount is trusted as far as the
 * executor that checked the digest against the approved one.
 */
export function readPayment(body: Buffer, tokenRequestId: string, idempotencyKey: string | undefined): PaymentRead {
  const parsed = PaymentInstruction.safeParse(parseJson(body));
  if (!parsed.success) {
    const message = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; ');
    return { ok: false, error: 'invalid_payment', message };
  }
  const { requestId, ...payment } = parsed.data;
  if (requestId !== tokenRequestId) return { ok: false, error: 'request_mismatch', message: 'the payment is for another request' };
  if (idempotencyKey !== tokenRequestId) {
    return { ok: false, error: 'idempotency_key_mismatch', message: 'Idempotency-Key must be the request id' };
  }
  return { ok: true, payment };
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}
