import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNkeySeed, inboxPrefix, natsPermissionsFor, nkeyOf, renderNatsConfig } from '@countersign/identity';
import { startNatsServer, type RunningNatsServer } from '@countersign/testing';
import { connectNats } from './connection';

jest.setTimeout(60_000);

const silent = { log: () => undefined, warn: () => undefined, error: () => undefined };

/** The compose deployment's TLS, locally: certificates from deploy/nats/gen-certs.sh, a real nats-server. */
describe('NATS client TLS with certificates from deploy/nats/gen-certs.sh', () => {
  let dir: string;
  let server: RunningNatsServer;
  const seed = createNkeySeed();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'countersign-tls-'));
    const env = { ...process.env, NATS_CERTS_DIR: join(dir, 'certs'), NATS_CA_DIR: join(dir, 'ca') };
    execFileSync('sh', [join(__dirname, '../../../deploy/nats/gen-certs.sh')], { env, stdio: 'ignore' });
    const principal = { kind: 'service', name: 'intake' } as const;
    const user = { user: 'intake', nkey: nkeyOf(seed), inboxPrefix: inboxPrefix(principal), permissions: natsPermissionsFor(principal) };
    const tls = [
      'tls {',
      `  cert_file: "${join(dir, 'certs', 'server.crt')}"`,
      `  key_file: "${join(dir, 'certs', 'server.key')}"`,
      '}',
    ].join('\n');
    server = await startNatsServer({ config: (settings) => `${renderNatsConfig(settings, [user])}\n${tls}\n` });
  });

  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('connects over TLS with the CA and the NKEY seed', async () => {
    const nc = await connectNats({
      url: `tls://localhost:${server.port}`,
      user: 'intake',
      seed,
      caFile: join(dir, 'ca', 'ca.crt'),
      name: 'tls',
      logger: silent,
    });
    expect(nc.info?.tls_required).toBe(true);
    await nc.close();
  });

  it('is refused without the CA (an untrusted server certificate)', async () => {
    await expect(
      connectNats({ url: `tls://localhost:${server.port}`, user: 'intake', seed, name: 'tls', logger: silent }),
    ).rejects.toThrow();
  });
});
