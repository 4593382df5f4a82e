import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { connect } from 'nats';
import { Consumers, SERVICE_NAMES, Streams } from '@countersign/contracts';
import { provisionJetStream } from '@countersign/messaging';
import { SERVICE_NODE_FLAGS } from '@countersign/stack';
import { startNatsServer, type RunningNatsServer } from '@countersign/testing';
import { RefSigner, type KeyFile } from './envelope';
import type { ChainConfig } from './hop';

export interface ReferenceChain {
  natsUrl: string;
  requester: string;
  submitter: RefSigner;
  /** Process id of each hop, for its peak RSS. */
  pids: Record<string, number>;
  /** The chain's nats-server. */
  bus: RunningNatsServer;
  stop(): Promise<void>;
}

const REPO_ROOT = join(__dirname, '..', '..', '..');

function keyFile(): KeyFile {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

function spawnHop(configPath: string, service: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [...SERVICE_NODE_FLAGS, join(REPO_ROOT, 'scripts', 'run-ts.js'), join(__dirname, 'hop.ts'), configPath, service],
    {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('REFERENCE_READY')) resolve(child);
    });
    createInterface({ input: child.stderr }).on('line', (line) => console.error(`[reference ${service}] ${line}`));
    child.once('exit', (code) => reject(new Error(`reference hop ${service} exited with ${String(code)}`)));
  });
}

/**
 * Starts the reference chain on its own nats-server (a free loopback port, never 4222): the
 * pipeline's streams and durable consumers with the same JetStream settings, and one plain
 * process per service. Keys are generated for this run and removed with its folder.
 */
export async function startReferenceChain(requester = 'deploy-bot'): Promise<ReferenceChain> {
  const dir = mkdtempSync(join(tmpdir(), 'countersign-reference-'));
  const nats: RunningNatsServer = await startNatsServer({ dir: join(dir, 'nats') });
  const provisioner = await connect({ servers: nats.url, noAsyncTraces: true });
  await provisionJetStream(provisioner, { streams: Object.values(Streams), consumers: Object.values(Consumers).flat() });
  await provisioner.close();
  const keys: Record<string, KeyFile> = { [`requester:${requester}`]: keyFile() };
  for (const service of SERVICE_NAMES) keys[`service:${service}`] = keyFile();
  const config: ChainConfig = { natsUrl: nats.url, dir, requester, keys };
  const configPath = join(dir, 'chain.json');
  writeFileSync(configPath, JSON.stringify(config), { mode: 0o600 });
  const children = await Promise.all(SERVICE_NAMES.map((service) => spawnHop(configPath, service)));
  return {
    natsUrl: nats.url,
    requester,
    submitter: new RefSigner(`requester:${requester}`, keys[`requester:${requester}`]!),
    pids: Object.fromEntries(SERVICE_NAMES.map((service, index) => [service, children[index]!.pid!])),
    bus: nats,
    async stop() {
      for (const child of children) {
        child.removeAllListeners('exit');
        child.kill('SIGKILL');
      }
      await nats.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
