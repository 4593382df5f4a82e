import type { Amount, CanonicalAction } from '@countersign/contracts';
import type { ExecutionContext, ExecutionCredential } from './action-adapter';
import { parsePaymentAmount, parsePaymentTransferParameters, type PaymentTransferParameters } from './payment-transfer-parameters';
import { fail, setCountersignHeaders, type TargetHttpOptions } from './target-http';
import { TargetHttpAdapter } from './target-http-adapter';

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

  protected parse(candidate: unknown) {
    return parsePaymentTransferParameters(candidate);
  }

  protected request(
    parameters: PaymentTransferParameters,
    action: CanonicalAction,
    credential: ExecutionCredential,
    context: ExecutionContext,
  ) {
    const amount = parsePaymentAmount(action.amount);
    if (!amount.ok) return fail(amount.code, amount.message);
    const instruction = paymentInstruction(action.requestId, amount.value, parameters);
    return { path: PAYMENTS_PATH, init: requestInit(instruction, credential, context) };
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

function requestInit(instruction: PaymentInstruction, credential: ExecutionCredential, context: ExecutionContext): RequestInit {
  const headers = new Headers({
    accept: 'application/json',
    'content-type': 'application/json',
    'idempotency-key': context.requestId,
  });
  setCountersignHeaders(headers, credential, context);
  return { method: 'POST', headers, body: JSON.stringify(instruction) };
}
