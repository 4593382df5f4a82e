import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from 'nats';
import { Streams } from '@countersign/contracts';
import { EnvelopeSigner, loadIdentity, loadNatsCredentials, loadNatsUsers, provision, renderNatsConfig } from '@countersign/identity';
import { natsAuthenticator, provisionJetStream } from '@countersign/messaging';
import { startNatsServer, type RunningNatsServer } from '@countersign/testing';

const REPO = join(__dirname, '..', '..', '..', '..');
export const BIN = join(REPO, 'bin', 'countersign.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * A provisioned home, a real nats-server configured from it (the production permission model),
 * the streams created by the provisioner, and the CLI run as a child process, as an operator runs it.
 */
export interface CliHarness {
  home: string;
  server: RunningNatsServer;
  /** Runs `node bin/countersign.js --home <home> --nats <url> ...args` from an unrelated directory. */
  cli(args: readonly string[]): Promise<CliResult>;
  connectAs(user: string): Promise<NatsConnection>;
  signerFor(identity: string): EnvelopeSigner;
  stop(): Promise<void>;
}

export async function startCliHarness(): Promise<CliHarness> {
  const home = mkdtempSync(join(tmpdir(), 'countersign-cli-home-'));
  const readDeploy = (name: string) => JSON.parse(readFileSync(join(REPO, 'deploy', name), 'utf8')) as unknown;
  provision({ description: readDeploy('identities.json'), targets: readDeploy('targets.json'), home });
  const server = await startNatsServer({ config: (settings) => renderNatsConfig(settings, loadNatsUsers(home)) });
  const connections: NatsConnection[] = [];
  const connectAs = async (user: string) => {
    const credentials = loadNatsCredentials(home, user);
    const nc = await connect({
      servers: server.url,
      authenticator: natsAuthenticator(credentials.seed),
      inboxPrefix: credentials.inboxPrefix,
      noAsyncTraces: true,
    });
    connections.push(nc);
    return nc;
  };
  await provisionJetStream(await connectAs('provisioner'), { streams: Object.values(Streams), consumers: [] });
  return {
    home,
    server,
    cli: (args) => runCli(['--home', home, '--nats', server.url, ...args]),
    connectAs,
    signerFor: (identity) => new EnvelopeSigner(identity, loadIdentity(home, identity).signing),
    async stop() {
      await Promise.all(connections.filter((nc) => !nc.isClosed()).map((nc) => nc.close()));
      await server.stop();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

export function runCli(args: readonly string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    // Only the explicit --home and --nats may count: the caller's environment must not leak in.
    const env = { ...process.env };
    delete env.COUNTERSIGN_HOME;
    delete env.COUNTERSIGN_NATS_URL;
    const child = spawn(process.execPath, [BIN, ...args], { cwd: tmpdir(), env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Each line of --json output as an object (submit --wait prints one per outcome). */
export function jsonLines(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Polls until `probe` yields a value: for effects of a child process we cannot await directly. */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs}ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
