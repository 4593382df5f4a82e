import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port';
import { hasExited, isRunning, untilReady } from './ready';

export interface NatsServerOptions {
  /**
   * Renders the server configuration for a port and JetStream store directory. Leave out for an
   * open server (only for tests of the harness itself: project tests use generated configuration).
   */
  config?: (settings: { port: number; storeDir: string }) => string;
  /** Working directory to keep config and data in; a fresh temporary one by default. */
  dir?: string;
  port?: number;
}

export interface RunningNatsServer {
  url: string;
  port: number;
  dir: string;
  /** Stops the server (SIGTERM, then SIGKILL) and removes the directory unless `keep`. */
  stop(options?: { keep?: boolean }): Promise<void>;
  /** Stops and starts again on the same port and data directory. */
  restart(): Promise<void>;
  /** The running server process(es) by name (`nats-server`, a cluster's `nats-server-<node>`), e.g. for the bench to read their CPU time. */
  pids(): Record<string, number>;
}

export const NATS_INSTALL_HINT =
  'nats-server is not installed. Install it with: sudo apt-get install -y nats-server (Debian/Ubuntu), ' +
  'or download it from the NATS releases page and put it on PATH.';

export function natsServerAvailable(): boolean {
  return spawnSync('nats-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Starts a real nats-server on a free loopback port with the given configuration. */
export async function startNatsServer(options: NatsServerOptions = {}): Promise<RunningNatsServer> {
  if (!natsServerAvailable()) throw new Error(NATS_INSTALL_HINT);
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'countersign-nats-'));
  const port = options.port ?? (await freePort());
  const storeDir = join(dir, 'jetstream');
  mkdirSync(storeDir, { recursive: true });
  const render = options.config ?? (({ port: p, storeDir: s }) => `listen: 127.0.0.1:${p}\njetstream { store_dir: "${s}" }\n`);
  const configPath = join(dir, 'nats.conf');
  writeFileSync(configPath, render({ port, storeDir }));

  let child = await launchNatsProcess(configPath);
  const stopChild = () => stopNatsProcess(child);
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    dir,
    async stop({ keep = false } = {}) {
      await stopChild();
      if (!keep && !options.dir) rmSync(dir, { recursive: true, force: true });
    },
    async restart() {
      await stopChild();
      child = await launchNatsProcess(configPath);
    },
    pids: (): Record<string, number> => (isRunning(child) ? { 'nats-server': child.pid } : {}),
  };
}

/** Spawns nats-server with a configuration file; resolves once it logs that it is ready. */
export function launchNatsProcess(configPath: string, readyTimeoutMs = 10_000): Promise<ChildProcess> {
  const child = spawn('nats-server', ['-c', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  return untilReady(child, { marker: 'Server is ready', what: 'nats-server', timeoutMs: readyTimeoutMs });
}

/** SIGTERM, then SIGKILL after five seconds; resolves once the process is gone. */
export function stopNatsProcess(child: ChildProcess): Promise<void> {
  if (hasExited(child)) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
