import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connectionStringAs, endpointOf, ensureUser } from './kurrentdb-admin-http';

describe('KurrentDB admin endpoint parsing', () => {
  it('derives the HTTP base URL and credentials from a connection string', () => {
    expect(endpointOf('kurrentdb://admin:s%40cret@kurrentdb:2113?tls=true')).toEqual({
      baseUrl: 'https://kurrentdb:2113',
      username: 'admin',
      password: 's@cret',
    });
    expect(endpointOf('esdb://admin:changeit@127.0.0.1:2113?tls=false').baseUrl).toBe('http://127.0.0.1:2113');
    expect(endpointOf('kurrentdb+discover://admin:x@node1:2113,node2:2113').baseUrl).toBe('https://node1:2113');
  });

  it('swaps in another user’s credentials and keeps every option', () => {
    const admin = 'kurrentdb://admin:a@kurrentdb:2113?tls=true&tlsCAFile=/ca.crt';
    expect(connectionStringAs(admin, 'intake', 'p/w')).toBe('kurrentdb://intake:p%2Fw@kurrentdb:2113?tls=true&tlsCAFile=/ca.crt');
    expect(connectionStringAs('kurrentdb://kurrentdb:2113', 'audit', 'x')).toBe('kurrentdb://audit:x@kurrentdb:2113');
  });
});

describe('ensureUser (HTTP users API, against a loopback stand-in)', () => {
  let server: Server;
  let baseUrl: string;
  const requests: Array<{ method: string; url: string; body: unknown; auth: string }> = [];
  let existing = new Set<string>();

  const readBody = async (req: IncomingMessage) => {
    let text = '';
    for await (const chunk of req) text += String(chunk);
    return JSON.parse(text) as unknown;
  };

  beforeAll(async () => {
    server = createServer((req, res) => {
      void readBody(req).then((body) => {
        requests.push({ method: req.method ?? '', url: req.url ?? '', body, auth: req.headers.authorization ?? '' });
        const login = (body as { loginName?: string }).loginName;
        const conflict = req.method === 'POST' && req.url === '/users/' && login !== undefined && existing.has(login);
        res.writeHead(conflict ? 409 : req.method === 'POST' && req.url === '/users/' ? 201 : 200).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));
  beforeEach(() => {
    requests.length = 0;
    existing = new Set();
  });

  const endpoint = () => ({ baseUrl, username: 'admin', password: 'changeit' });
  const user = { loginName: 'intake', fullName: 'Countersign intake service', groups: [] };

  it('creates a missing user in no group, as the admin', async () => {
    expect(await ensureUser(endpoint(), user, 'pw')).toBe('created');
    expect(requests).toEqual([
      {
        method: 'POST',
        url: '/users/',
        body: { ...user, password: 'pw' },
        auth: `Basic ${Buffer.from('admin:changeit').toString('base64')}`,
      },
    ]);
  });

  it('resets an existing user’s groups (dropping any $admins added by hand) and password', async () => {
    existing.add('intake');
    expect(await ensureUser(endpoint(), user, 'pw2')).toBe('updated');
    expect(requests.map(({ method, url, body }) => ({ method, url, body }))).toEqual([
      { method: 'POST', url: '/users/', body: { ...user, password: 'pw2' } },
      { method: 'PUT', url: '/users/intake', body: { fullName: user.fullName, groups: [] } },
      { method: 'POST', url: '/users/intake/command/reset-password', body: { newPassword: 'pw2' } },
    ]);
  });
});
