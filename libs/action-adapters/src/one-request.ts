import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** What a target adapter sends: the method, the headers (Countersign's set last) and a JSON body, if any. */
export interface OutgoingRequest {
  method: string;
  headers: Headers;
  body?: string;
}

/** The target answered: its status, and the first bytes of its body (empty when they could not be read). */
export interface Answer {
  status: number;
  body: Buffer;
}

/** Why no status came back; after any of these the target may or may not have acted. */
export interface NoAnswer {
  code: 'timeout' | 'aborted' | 'network_error';
  message: string;
}

/**
 * No connection is pooled: a kept-alive socket that outlived a restart of the target would make the
 * next POST fail ambiguously (in doubt), so every action opens its own, as it did with `fetch` (the
 * demo target closes each one anyway).
 */
const AGENTS = { 'http:': new HttpAgent({ keepAlive: false }), 'https:': new HttpsAgent({ keepAlive: false }) };

/**
 * Sends one request and reads at most `maxBody` bytes of the answer, the rest discarded unread (a
 * hostile target cannot make us buffer gigabytes). One attempt: node:http follows no redirect and
 * retries nothing. `timeoutMs` bounds the whole exchange; once the status is known, a timeout,
 * abort or error only cuts the body short. Through node:http rather than `fetch`: the same exchange
 * costs a fraction of the CPU (no WHATWG streams, no per-call abort signal composition).
 */
export function oneRequest(
  url: URL,
  outgoing: OutgoingRequest,
  options: { timeoutMs: number; maxBody: number; signal?: AbortSignal | undefined },
): Promise<Answer | NoAnswer> {
  const { timeoutMs, maxBody, signal } = options;
  if (signal?.aborted) return Promise.resolve({ code: 'aborted', message: 'execution was cancelled' });
  return new Promise((resolve) => {
    let status: number | undefined;
    let request: ClientRequest | undefined;
    let settled = false;
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (result: Answer | NoAnswer): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      request?.destroy();
      resolve(result);
    };
    const failed = (code: NoAnswer['code'], message: string) =>
      finish(status === undefined ? { code, message } : { status, body: Buffer.alloc(0) });
    const timer = setTimeout(() => failed('timeout', `no answer within ${timeoutMs} ms`), timeoutMs);
    const onAbort = () => failed('aborted', 'execution was cancelled');
    signal?.addEventListener('abort', onAbort, { once: true });
    const onResponse = (response: IncomingMessage) => {
      status = response.statusCode ?? 0;
      const answered = { status };
      response.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.byteLength;
        if (size >= maxBody) finish({ ...answered, body: Buffer.concat(chunks) });
      });
      response.on('end', () => finish({ ...answered, body: Buffer.concat(chunks) }));
      response.on('error', () => finish({ ...answered, body: Buffer.alloc(0) }));
    };
    try {
      request = send(url, outgoing, onResponse);
      request.on('error', (error) => failed('network_error', error.message));
    } catch (error) {
      failed('network_error', error instanceof Error ? error.message : String(error));
    }
  });
}

function send(url: URL, { method, headers, body }: OutgoingRequest, onResponse: (response: IncomingMessage) => void): ClientRequest {
  const plain: Record<string, string> = { accept: '*/*', ...Object.fromEntries(headers) };
  if (body !== undefined) plain['content-length'] = String(Buffer.byteLength(body));
  const protocol = url.protocol === 'https:' ? 'https:' : 'http:';
  const start = protocol === 'https:' ? httpsRequest : httpRequest;
  const request = start(url, { method, headers: plain, agent: AGENTS[protocol] }, onResponse);
  request.end(body);
  return request;
}
