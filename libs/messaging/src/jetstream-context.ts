import { Catch, type RpcExceptionFilter } from '@nestjs/common';
import { BaseRpcContext, RpcException } from '@nestjs/microservices';
import { throwError, type Observable } from 'rxjs';
import { InputLimitError, type FieldError } from '@countersign/contracts';

/** Bind handlers with `@EventPattern(EventTypes.X, JETSTREAM_TRANSPORT)`; unbound ones would join every transport. */
export const JETSTREAM_TRANSPORT: unique symbol = Symbol('countersign-jetstream');

/** Where a message came from on the bus, for the handler (logging, dead letters, idempotency keys). */
export interface JetStreamMessageInfo {
  subject: string;
  stream: string;
  consumer: string;
  streamSequence: number;
  /** 1 on first delivery. */
  deliveries: number;
}

/** The second argument of every JetStream handler (`@Ctx()`). */
export class JetStreamContext extends BaseRpcContext<[JetStreamMessageInfo]> implements JetStreamMessageInfo {
  readonly subject: string;
  readonly stream: string;
  readonly consumer: string;
  readonly streamSequence: number;
  readonly deliveries: number;

  constructor(info: JetStreamMessageInfo) {
    super([info]);
    this.subject = info.subject;
    this.stream = info.stream;
    this.consumer = info.consumer;
    this.streamSequence = info.streamSequence;
    this.deliveries = info.deliveries;
  }
}

const TERMINAL = 'countersignTerminal';

interface TerminalPayload {
  [TERMINAL]: true;
  code: string;
  message: string;
  errors?: FieldError[];
}

/**
 * Thrown by a handler for a message that can never succeed (retrying would only repeat the
 * failure): it is dead-lettered and terminated at once. It is an RpcException because Nest's
 * exception filter replaces any other error with a generic one before the transport sees it; the
 * payload object survives the filter, and the marker field identifies it.
 */
export class TerminalMessageError extends RpcException {
  override readonly name = 'TerminalMessageError';

  constructor(
    readonly code: string,
    message: string,
    readonly errors?: FieldError[],
  ) {
    super({ [TERMINAL]: true, code, message, ...(errors ? { errors } : {}) } satisfies TerminalPayload);
  }
}

/** The terminal verdict carried by an error, whether it passed through Nest's filter or not. */
export function terminalVerdict(error: unknown): { code: string; message: string; errors?: FieldError[] } | undefined {
  // Input past a documented limit fails the same way on every delivery: never worth a retry.
  if (error instanceof InputLimitError) return { code: 'input_limit', message: error.message, errors: [error.problem] };
  const payload = error instanceof TerminalMessageError ? error.getError() : error;
  if (typeof payload !== 'object' || payload === null || (payload as Partial<TerminalPayload>)[TERMINAL] !== true) return undefined;
  const { code, message, errors } = payload as TerminalPayload;
  return { code, message, ...(errors ? { errors } : {}) };
}

/**
 * Nest's default RPC filter replaces every error but an RpcException with "Internal server
 * error" before the transport sees it, so dead letters would lose the reason. Register this
 * (`app.useGlobalFilters(new JetStreamErrorFilter())`) to hand the transport the original error.
 */
@Catch()
export class JetStreamErrorFilter implements RpcExceptionFilter<unknown> {
  catch(exception: unknown): Observable<never> {
    return throwError(() => exception);
  }
}
