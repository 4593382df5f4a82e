import { parseHttpRequestParameters, type HttpRequestParameters } from './http-request-parameters';
import type { TargetHttpOptions } from './target-http';
import { TargetHttpAdapter, type TargetRequest } from './target-http-adapter';

export type HttpRequestAdapterOptions = TargetHttpOptions;

/**
 * Runs `http.request` actions against targets registered by configuration. The action names a
 * target, never a URL, so an approved action cannot be pointed at a host nobody registered.
 */
export class HttpRequestAdapter extends TargetHttpAdapter<HttpRequestParameters> {
  readonly kind = 'http.request';

  protected readonly parse = parseHttpRequestParameters;

  protected request(parameters: HttpRequestParameters): TargetRequest {
    const headers = new Headers(parameters.headers ?? {});
    const hasBody = parameters.body !== undefined;
    if (hasBody && !headers.has('content-type')) headers.set('content-type', 'application/json');
    const body = hasBody ? { body: JSON.stringify(parameters.body) } : {};
    return { path: parameters.path, init: { method: parameters.method, headers, ...body } };
  }
}
