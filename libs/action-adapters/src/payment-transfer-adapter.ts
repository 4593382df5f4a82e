import type { Amount, CanonicalAction } from '@countersign/contracts';
import type { ActionAdapter, AdapterResult, ExecutionContext, ExecutionCredential } from './action-adapter';
import { parsePaymentAmount, parsePaymentTransferParameters, type PaymentTransferParameters } from './payment-transfer-parameters';
import { fail, setCountersignHeaders, TargetHttp, type TargetHttpOptions } from './target-http';

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
export class PaymentTransferAdapter implements ActionAdapter {
  readonly kind = 'payment.transfer';
  private readonly http: TargetHttp;

  constructor(targets: Record<string, string>, options: PaymentTransferAdapterOptions) {
    this.http = new TargetHttp(targets, options);
  }

  async execute(action: CanonicalAction, credential: ExecutionCredential, context: ExecutionContext): Promise<AdapterResult> {
    const refusal = this.http.refuse(this.kind, action, credential, context);
    if (refusal) return refusal;
    const parameters = parsePaymentTransferParameters(action.parameters);
    if (!parameters.ok) return fail('invalid_parameters', parameters.message);
    const amount = parsePaymentAmount(action.amount);
    if (!amount.ok) return fail(amount.code, amount.message);
    const url = this.http.resolve(action.target, PAYMENTS_PATH);
    if (!(url instanceof URL)) return url;
    const instruction = paymentInstruction(action.requestId, amount.value, parameters.value);
    return this.http.send(url, requestInit(instruction, credential, context), context.signal);
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
