import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { KurrentDbUser } from './kurrentdb-acl';

/** The pieces of a `kurrentdb://user:pass@host:port?tls=...&tlsCAFile=...` string the HTTP API needs. */
export interface KurrentDbEndpoint {
  baseUrl: string;
  username: string;
  password: string;
  ca?: Buffer;
}

/** scheme://[user[:password]@]host[:port][,host[:port]...][/][?options] (a cluster lists several hosts, which URL cannot parse). */
const CONNECTION_STRING = /^[a-z+]+:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/?,]+)[^/?]*\/?(?:\?(.*))?$/i;

export function endpointOf(connectionString: string): KurrentDbEndpoint {
  const match = CONNECTION_STRING.exec(connectionString);
  if (!match) throw new Error('not a kurrentdb:// connection string');
  const [, username = '', password = '', host = '', query = ''] = match;
  const options = new URLSearchParams(query);
  const option = (name: string) => [...options].find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1];
  const tls = (option('tls') ?? 'true').toLowerCase() !== 'false';
  const caFile = option('tlsCAFile');
  return {
    baseUrl: `${tls ? 'https' : 'http'}://${host}`,
    username: decodeURIComponent(username),
    password: decodeURIComponent(password),
    ...(caFile ? { ca: readFileSync(caFile) } : {}),
  };
}

/** The same server and options with another user's credentials. */
export function connectionStringAs(connectionString: string, username: string, password: string): string {
  return connectionString.replace(/^([a-z+]+:\/\/)(?:[^@/]*@)?/i, `$1${encodeURIComponent(username)}:${encodeURIComponent(password)}@`);
}

interface HttpAnswer {
  status: number;
  body: string;
}

function send(endpoint: KurrentDbEndpoint, method: string, path: string, body: unknown): Promise<HttpAnswer> {
  const url = new URL(path, endpoint.baseUrl);
  const payload = JSON.stringify(body);
  const auth = Buffer.from(`${endpoint.username}:${endpoint.password}`).toString('base64');
  const options = {
    method,
    headers: { authorization: `Basic ${auth}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
    ...(endpoint.ca ? { ca: endpoint.ca } : {}),
    timeout: 10_000,
  };
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, options, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url.pathname} timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}

function expectSuccess(answer: HttpAnswer, what: string): void {
  if (answer.status < 200 || answer.status >= 300) throw new Error(`${what}: HTTP ${answer.status} ${answer.body.slice(0, 200)}`);
}

/**
 * Creates the user, or brings an existing one back to the plan: its groups are reset (so a user
 * someone added to `$admins` by hand loses it) and its password set to the given one. The gRPC
 * client has no user management, so this uses the server's HTTP API.
 */
export async function ensureUser(endpoint: KurrentDbEndpoint, user: KurrentDbUser, password: string): Promise<'created' | 'updated'> {
  const created = await send(endpoint, 'POST', '/users/', { ...user, password });
  if (created.status !== 409) {
    expectSuccess(created, `create user ${user.loginName}`);
    return 'created';
  }
  const login = encodeURIComponent(user.loginName);
  expectSuccess(
    await send(endpoint, 'PUT', `/users/${login}`, { fullName: user.fullName, groups: user.groups }),
    `update user ${user.loginName}`,
  );
  expectSuccess(
    await send(endpoint, 'POST', `/users/${login}/command/reset-password`, { newPassword: password }),
    `reset password of ${user.loginName}`,
  );
  return 'updated';
}
