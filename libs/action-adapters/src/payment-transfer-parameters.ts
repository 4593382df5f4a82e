import { z } from 'zod';
import { Amount } from '@countersign/contracts';

/**
 * Free text that reaches a payment system and a bank statement: bounded, at least one visible
 * character, no control characters or line breaks (nothing a log line or a CSV export can trip on).
 */
const PaymentText = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[^\p{Cc}\p{Zl}\p{Zp}]*$/u, 'no control characters or line breaks')
    .regex(/\S/, 'not only whitespace');

/**
 * `payment.transfer` parameters. Strict: anything else is refused rather than dropped, because the
 * approvers approved these exact parameters. The amount is not a parameter: it is `action.amount`,
 * which policies match on and approvers see.
 */
export const PaymentTransferParameters = z.strictObject({
  /** Who is paid, as the payment system knows them (140 characters: a SEPA name fits). */
  payee: PaymentText(140),
  /** The invoice this pays. */
  invoice: PaymentText(64).optional(),
  /** The remittance reference the payee sees (140 characters: SEPA unstructured remittance). */
  reference: PaymentText(140).optional(),
});
export type PaymentTransferParameters = z.infer<typeof PaymentTransferParameters>;

export type ParsedPaymentParameters = { ok: true; value: PaymentTransferParameters } | { ok: false; message: string };

export function parsePaymentTransferParameters(candidate: unknown): ParsedPaymentParameters {
  const parsed = PaymentTransferParameters.safeParse(candidate);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, message: describeIssues(parsed.error) };
}

const StrictAmount = z.strictObject(Amount.shape);

export type ParsedAmount = { ok: true; value: Amount } | { ok: false; code: 'missing_amount' | 'invalid_amount'; message: string };

/** `action.amount` is optional in the contract and required for a payment. */
export function parsePaymentAmount(candidate: unknown): ParsedAmount {
  if (candidate === undefined) return { ok: false, code: 'missing_amount', message: 'a payment.transfer action needs action.amount' };
  const parsed = StrictAmount.safeParse(candidate);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, code: 'invalid_amount', message: describeIssues(parsed.error, 'amount') };
}

function describeIssues(error: z.ZodError, root = 'parameters'): string {
  return error.issues.map((issue) => `${[root, ...issue.path].join('.')}: ${issue.message}`).join('; ');
}
