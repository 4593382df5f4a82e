import type { CanonicalAction } from '@countersign/contracts';
import type { ActionAdapter, AdapterResult, ExecutionContext, ExecutionCredential } from './action-adapter';
import type { OutgoingRequest } from './one-request';
import { fail, setCountersignHeaders, TargetHttp, type Failure, type TargetHttpOptions } from './target-http';

/** One HTTP request to a target: the path on the target's base URL and what to send there. */
export interface TargetRequest {
  path: string;
  init: OutgoingRequest;
}

/**
 * The one flow of every adapter that sends a single HTTP request to a registered target: refuse
 * what needs no network (kind, binding, credential, target), refuse parameters the kind does not
 * accept, then send what the kind builds from them, with the Countersign headers set last (an
 * action's own headers cannot replace them), to a URL that stays on the target.
 */
export abstract class TargetHttpAdapter<Parameters> implements ActionAdapter {
  abstract readonly kind: string;
  private readonly http: TargetHttp;

  constructor(targets: Record<string, string>, options: TargetHttpOptions) {
    this.http = new TargetHttp(targets, options);
  }

  async execute(action: CanonicalAction, credential: ExecutionCredential, context: ExecutionContext): Promise<AdapterResult> {
    const refusal = this.http.refuse(this.kind, action, credential, context);
    if (refusal) return refusal;
    const parameters = this.parse(action.parameters);
    if (!parameters.ok) return fail('invalid_parameters', parameters.message);
    const request = this.request(parameters.value, action);
    if ('ok' in request) return request;
    const url = this.http.resolve(action.target, request.path);
    if (!(url instanceof URL)) return url;
    setCountersignHeaders(request.init.headers, credential, context);
    return this.http.send(url, request.init, context.signal);
  }

  /** The kind's parameters, validated (no unknown field, every bound checked). */
  protected abstract readonly parse: (candidate: unknown) => { ok: true; value: Parameters } | { ok: false; message: string };

  /** The request for these validated parameters of an action bound to this request, or why it cannot be sent. */
  protected abstract request(parameters: Parameters, action: CanonicalAction): TargetRequest | Failure;
}
