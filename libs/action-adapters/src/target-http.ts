import { actionDigest, type CanonicalAction } from '@countersign/contracts';
import type { AdapterResult, ExecutionContext, ExecutionCredential } from './action-adapter';
import { unlessThrown } from './http-request-parameters';
import { oneRequest, type OutgoingRequest } from './one-request';

/**
 * What every adapter that talks HTTP to a registered target shares: the target registry, the
 * checks that need no network, the Countersign headers, and one attempt with a timeout and no
 * redirects whose answer is classified the same way for every action kind.
 */

export interface TargetHttpOptions {
  timeoutMs: number;
}

export type Failure = Extract<AdapterResult, { ok: false }>;
export const fail = (code: string, message: string): Failure => ({ ok: false, code, message });

/** Enough of a rejected response to tell an operator why, without copying a target's payload around. */
const MAX_RESPONSE_SNIPPET = 200;
const BEARER_TOKEN = /^[A-Za-z0-9_.-]+$/;

/** A registered target: where it lives, and the path prefix every action path is appended to. */
interface TargetBase {
  origin: string;
  basePath: string;
}

/**
 * Targets registered by configuration, and how to reach them. An action names a target, never a
 * URL, so an approved action cannot be pointed at a host nobody registered.
 */
export class TargetHttp {
  private readonly targets = new Map<string, TargetBase>();

  constructor(
    targets: Record<string, string>,
    private readonly options: TargetHttpOptions,
  ) {
    for (const [name, baseUrl] of Object.entries(targets)) this.targets.set(name, parseBaseUrl(name, baseUrl));
    if (!Number.isInteger(options.timeoutMs) || options.timeoutMs <= 0) throw new Error('timeoutMs must be a positive integer');
  }

  /**
   * What every adapter refuses before looking at its parameters: an action of another kind or not
   * bound to this context and credential, or a target nobody registered (a Map, so no prototype key
   * passes for a target).
   */
  refuse(kind: string, action: CanonicalAction, credential: ExecutionCredential, context: ExecutionContext): Failure | undefined {
    const unbound = refuseUnbound(kind, action, credential, context);
    if (unbound) return unbound;
    return this.targets.has(action.target) ? undefined : fail('unknown_target', `target ${action.target} is not registered`);
  }

  /** The URL of `path` on a registered target; the path must not leave the target's base URL. */
  resolve(target: string, path: string): URL | Failure {
    const base = this.targets.get(target);
    if (!base) return fail('unknown_target', `target ${target} is not registered`);
    // Belt and braces after path validation: the final URL must stay on the base origin and path.
    const url = new URL(`${base.origin}${base.basePath}${path}`);
    const inside = url.origin === base.origin && url.pathname.startsWith(`${base.basePath}/`);
    return inside ? url : fail('invalid_parameters', 'path leaves the target base URL');
  }

  /** One attempt, no redirects (a redirect could carry the bearer token to another host). */
  async send(url: URL, outgoing: OutgoingRequest, callerSignal: AbortSignal | undefined): Promise<AdapterResult> {
    const answer = await oneRequest(url, outgoing, {
      timeoutMs: this.options.timeoutMs,
      maxBody: MAX_RESPONSE_SNIPPET,
      signal: callerSignal,
    });
    // Once the status is known the outcome is known; the body is only a courtesy for the message.
    if ('status' in answer) return classify(outgoing.method, url, answer.status, snippetOf(answer.body));
    return fail(answer.code, answer.message);
  }
}

/** Checks that need no network: the action is of this kind and bound to this context and credential. */
export function refuseUnbound(
  kind: string,
  action: CanonicalAction,
  credential: ExecutionCredential,
  context: ExecutionContext,
): Failure | undefined {
  if (action.kind !== kind) return fail('unsupported_kind', `${kind} adapter cannot run ${action.kind}`);
  if (action.requestId !== context.requestId) return fail('context_mismatch', 'action belongs to another request');
  // The executor checked the digest already; checking again here keeps each adapter safe on its own.
  if (unlessThrown(() => actionDigest(action)) !== context.digest)
    return fail('digest_mismatch', 'action does not match the approved digest');
  if (!BEARER_TOKEN.test(credential.token)) return fail('invalid_credential', 'credential is not a bearer token');
  return undefined;
}

/**
 * The credential and what it is bound to. Set last, over anything else, so an action can never
 * supply its own: the target checks that the token was minted for exactly this request and digest.
 */
export function setCountersignHeaders(headers: Headers, credential: ExecutionCredential, context: ExecutionContext): Headers {
  headers.set('authorization', `Bearer ${credential.token}`);
  headers.set('x-countersign-request', context.requestId);
  headers.set('x-countersign-digest', context.digest);
  return headers;
}

function parseBaseUrl(name: string, baseUrl: string): TargetBase {
  const url = new URL(baseUrl);
  const usable = (url.protocol === 'http:' || url.protocol === 'https:') && !url.username && !url.password && !url.search && !url.hash;
  if (!usable) throw new Error(`target ${name}: base URL must be http(s) without credentials, query or fragment`);
  return { origin: url.origin, basePath: url.pathname.replace(/\/+$/, '') };
}

function classify(method: string, url: URL, status: number, snippet: string): AdapterResult {
  if (status >= 200 && status < 300) return { ok: true, status, summary: `${method} ${url.pathname} answered ${status}` };
  return fail('target_rejected', `${method} ${url.pathname} answered ${status}${snippet ? `: ${snippet}` : ''}`);
}

/** At most a snippet of what the target said, with control characters (which must not reach logs) blanked. */
function snippetOf(body: Buffer): string {
  const text = body.toString('utf8').slice(0, MAX_RESPONSE_SNIPPET);
  // eslint-disable-next-line no-control-regex -- control characters are exactly what must not reach logs
  return text.replace(/[\x00-\x1f\x7f]+/g, ' ').trim();
}
