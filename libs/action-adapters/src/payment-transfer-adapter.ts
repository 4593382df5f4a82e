import type { Amount, CanonicalAction } from '@countersign/contracts';
import { parsePaymentAmount, parsePaymentTransferParameters, type PaymentTransferParameters } from './payment-transfer-parameters';
import { fail, type Failure, type TargetHttpOptions } from './target-http';
import { TargetHttpAdapter, type TargetRequest } from './target-http-adapter';

export type PaymentTransferAdapterOptions = TargetHttpOptions;

/** Where a registered target takes payments; fixed, so an action cannot choose another endpoint. */
export const PAYMENTS_PATH = '/payments';

/** The JSON body a target receives at `POST /payments`. */
export interface PaymentInstruction {
  requestId: string;
  amount: Amount;
  payee: string;
  invoice?: string;
  reference?: string;
}

/**
 * Runs `payment.transfer` actions: one `POST /payments` to a registered target with the approved
 * amount and payee, the execution credential as bearer token and the request id as idempotency
 * key, so a payment API that honours `Idempotency-Key` pays at most once per request even if a
 * human re-sends it. Never retried here: a failure after sending is in doubt, for a human.
 */
export class PaymentTransferAdapter extends TargetHttpAdapter<PaymentTransferParameters> {
  readonly kind = 'payment.transfer';

  protected readonly parse = parsePaymentTransferParameters;

  protected request(parameters: PaymentTransferParameters, action: CanonicalAction): TargetRequest | Failure {
    const amount = parsePaymentAmount(action.amount);
    if (!amount.ok) return fail(amount.code, amount.message);
    const instruction = paymentInstruction(action.requestId, amount.value, parameters);
    // The request id as idempotency key: a payment API that honours it pays at most once per request.
    const headers = new Headers({ accept: 'application/json', 'content-type': 'application/json', 'idempotency-key': action.requestId });
    return { path: PAYMENTS_PATH, init: { method: 'POST', headers, body: JSON.stringify(instruction) } };
  }
}

/** Built field by field from validated values: nothing from the action reaches the body unchecked. */
function paymentInstruction(requestId: string, amount: Amount, parameters: PaymentTransferParameters): PaymentInstruction {
  return {
    requestId,
    amount: { value: amount.value, currency: amount.currency },
    payee: parameters.payee,
    ...(parameters.invoice !== undefined ? { invoice: parameters.invoice } : {}),
    ...(parameters.reference !== undefined ? { reference: parameters.reference } : {}),
  };
}
