import type { CanonicalAction } from '@countersign/contracts';
import type { ActionAdapter, AdapterResult, ExecutionContext, ExecutionCredential } from './action-adapter';
import { parseHttpRequestParameters, type HttpRequestParameters } from './http-request-parameters';
import { fail, setCountersignHeaders, TargetHttp, type TargetHttpOptions } from './target-http';

export type HttpRequestAdapterOptions = TargetHttpOptions;

/**
 * Runs `http.request` actions against targets registered by configuration. The action names a
 * target, never a URL, so an approved action cannot be pointed at a host nobody registered.
 */
export class HttpRequestAdapter implements ActionAdapter {
  readonly kind = 'http.request';
  private readonly http: TargetHttp;

  constructor(targets: Record<string, string>, options: HttpRequestAdapterOptions) {
    this.http = new TargetHttp(targets, options);
  }

  async execute(action: CanonicalAction, credential: ExecutionCredential, context: ExecutionContext): Promise<AdapterResult> {
    const refusal = this.http.refuse(this.kind, action, credential, context);
    if (refusal) return refusal;
    const parameters = parseHttpRequestParameters(action.parameters);
    if (!parameters.ok) return fail('invalid_parameters', parameters.message);
    const url = this.http.resolve(action.target, parameters.value.path);
    if (!(url instanceof URL)) return url;
    return this.http.send(url, requestInit(parameters.value, credential, context), context.signal);
  }
}

function requestInit(parameters: HttpRequestParameters, credential: ExecutionCredential, context: ExecutionContext): RequestInit {
  const headers = new Headers(parameters.headers ?? {});
  const hasBody = parameters.body !== undefined;
  if (hasBody && !headers.has('content-type')) headers.set('content-type', 'application/json');
  setCountersignHeaders(headers, credential, context);
  return { method: parameters.method, headers, ...(hasBody ? { body: JSON.stringify(parameters.body) } : {}) };
}
