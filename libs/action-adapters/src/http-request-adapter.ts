import type { CanonicalAction } from '@countersign/contracts';
import type { ExecutionContext, ExecutionCredential } from './action-adapter';
import { parseHttpRequestParameters, type HttpRequestParameters } from './http-request-parameters';
import { setCountersignHeaders, type TargetHttpOptions } from './target-http';
import { TargetHttpAdapter } from './target-http-adapter';

export type HttpRequestAdapterOptions = TargetHttpOptions;

/**
 * Runs `http.request` actions against targets registered by configuration. The action names a
 * target, never a URL, so an approved action cannot be pointed at a host nobody registered.
 */
export class HttpRequestAdapter extends TargetHttpAdapter<HttpRequestParameters> {
  readonly kind = 'http.request';

  protected parse(candidate: unknown) {
    return parseHttpRequestParameters(candidate);
  }

  protected request(
    parameters: HttpRequestParameters,
    _action: CanonicalAction,
    credential: ExecutionCredential,
    context: ExecutionContext,
  ) {
    return { path: parameters.path, init: requestInit(parameters, credential, context) };
  }
}

function requestInit(parameters: HttpRequestParameters, credential: ExecutionCredential, context: ExecutionContext): RequestInit {
  const headers = new Headers(parameters.headers ?? {});
  const hasBody = parameters.body !== undefined;
  if (hasBody && !headers.has('content-type')) headers.set('content-type', 'application/json');
  setCountersignHeaders(headers, credential, context);
  return { method: parameters.method, headers, ...(hasBody ? { body: JSON.stringify(parameters.body) } : {}) };
}
