import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mintExecutionToken } from '@countersign/credentials';
import { generateKeyPair, importPrivateKey, type TrustStoreDocument } from '@countersign/identity';
import { freePort } from '@countersign/testing';

const REPO_ROOT = join(__dirname, '..', '..', '..');
const READY = /demo-target listening on (http:\/\/127\.0\.0\.1:\d+)/;

interface Running {
  child: ChildProcess;
  url: string;
}

/** Runs the real entry point the way the stack does (scripts/service.js) and waits for its ready line. */
function startProcess(env: NodeJS.ProcessEnv): Promise<Running> {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'scripts', 'service.js'), 'demo-target'], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
  });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`demo-target did not start: ${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const url = READY.exec(output)?.[1];
      if (url) {
        clearTimeout(timer);
        resolve({ child, url });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`demo-target exited with ${code}: ${output}`));
    });
  });
}

function stopProcess(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

describe('demo-target process (src/main.ts)', () => {
  const home = mkdtempSync(join(tmpdir(), 'demo-target-home-'));
  const broker = generateKeyPair('ed25519', 'service:broker');
  const trust: TrustStoreDocument = {
    version: 1,
    environment: 'test',
    identities: [
      { id: 'service:broker', signingKeys: [{ keyId: broker.keyId, publicKey: broker.publicKey, status: 'active' }], encryptionKeys: [] },
    ],
  };
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    writeFileSync(join(home, 'trust.json'), JSON.stringify(trust));
    env = { COUNTERSIGN_HOME: home, DEMO_TARGET_PORT: String(await freePort()), DEMO_TARGET_DB: join(home, 'data', 'demo.sqlite') };
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('starts from the environment, honours broker tokens once, and remembers them across restarts', async () => {
    const now = new Date();
    const requestId = randomUUID();
    const digest = 'ab'.repeat(32);
    const token = await mintExecutionToken({
      privateKey: importPrivateKey(broker.privateKey),
      keyId: broker.keyId,
      requestId,
      digest,
      target: 'demo-target',
      executor: 'service:executor',
      credentialId: randomUUID(),
      notBefore: now,
      expiresAt: new Date(now.getTime() + 300_000),
      now,
    });
    const deploy = (url: string) =>
      fetch(`${url}/deploy`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'x-countersign-request': requestId, 'x-countersign-digest': digest },
      });

    let running = await startProcess(env);
    expect(running.url).toBe(`http://127.0.0.1:${env['DEMO_TARGET_PORT']}`);
    expect((await deploy(running.url)).status).toBe(200);
    expect(await stopProcess(running.child)).toBe(0);

    running = await startProcess(env);
    try {
      expect((await deploy(running.url)).status).toBe(409);
      const { effects } = (await (await fetch(`${running.url}/effects`)).json()) as { effects: unknown[] };
      expect(effects).toHaveLength(1);
    } finally {
      await stopProcess(running.child);
    }
  }, 60_000);

  it('refuses to start without a trust store', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'demo-target-empty-'));
    try {
      await expect(startProcess({ COUNTERSIGN_HOME: empty, DEMO_TARGET_PORT: '0' })).rejects.toThrow(
        /exited with 1: .*trust store not found/s,
      );
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  }, 60_000);
});
