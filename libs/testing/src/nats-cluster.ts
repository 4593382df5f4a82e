import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port';
import { NATS_INSTALL_HINT, launchNatsProcess, natsServerAvailable, stopNatsProcess, type RunningNatsServer } from './nats-server';
import { hasExited, isRunning } from './ready';

export interface NatsClusterOptions {
  /** Number of nodes; 3 by default (R3 streams tolerate the loss of one). */
  size?: number;
  /**
   * Appended to every node's configuration: the generated users and permissions, so the cluster
   * enforces exactly what a single local server does. Leave out for an open cluster (harness tests).
   */
  extraConfig?: string;
  /** Working directory for configs and stores; a fresh temporary one (removed on stop) by default. */
  dir?: string;
  /** How long a node may take to log that it is ready; a restart replays its store first. */
  readyTimeoutMs?: number;
  /** `sync_interval: always` on every node; by default whenever the installed nats-server accepts it. */
  syncAlways?: boolean;
}

export interface ClusterNode {
  /** The node's `server_name`, as JetStream reports it for leaders and replicas. */
  name: string;
  url: string;
  port: number;
  clusterPort: number;
  /** Monitoring port (loopback); the harness reads `/jsz` there to find the meta leader. */
  httpPort: number;
  storeDir: string;
  configPath: string;
}

/**
 * A running cluster. It is also a RunningNatsServer, so code written for one server takes it as is:
 * `url` lists every node (comma-separated, as COUNTERSIGN_NATS_URL takes it), `restart` restarts all.
 */
export interface RunningNatsCluster extends RunningNatsServer {
  nodes: ClusterNode[];
  urls: string[];
  /** Whether the nodes fsync every message before acknowledging it (see NatsClusterOptions). */
  syncAlways: boolean;
  isRunning(index: number): boolean;
  /** SIGKILL: no shutdown, no flush, as a crashed node. */
  kill(index: number): Promise<void>;
  /** Starts a stopped node again on its own ports and store. */
  start(index: number): Promise<void>;
  /** Index of the node with this server_name, e.g. a stream leader's. */
  indexOf(serverName: string): number;
  /** Waits until every running node names the same JetStream meta leader; returns its name. */
  waitForMetaLeader(timeoutMs?: number): Promise<string>;
}

const CLUSTER_NAME = 'countersign-test';

/** Starts `size` real nats-server processes on loopback, routed to each other, with JetStream. */
export async function startNatsCluster(options: NatsClusterOptions = {}): Promise<RunningNatsCluster> {
  if (!natsServerAvailable()) throw new Error(NATS_INSTALL_HINT);
  const size = options.size ?? 3;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'countersign-nats-cluster-'));
  const nodes = await planNodes(dir, size);
  const syncAlways = options.syncAlways ?? natsServerAcceptsSyncAlways(dir);
  for (const node of nodes) {
    mkdirSync(node.storeDir, { recursive: true });
    writeFileSync(node.configPath, renderNodeConfig(node, nodes, { extraConfig: options.extraConfig ?? '', syncAlways }));
  }
  const readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
  const children: Array<ChildProcess | undefined> = nodes.map(() => undefined);
  const start = async (index: number) => {
    if (children[index]) return;
    const child = await launchNatsProcess(nodeAt(nodes, index).configPath, readyTimeoutMs);
    children[index] = child;
    // A node that dies on its own shows up as "not running" rather than as a stale handle.
    child.once('exit', () => {
      if (children[index] === child) children[index] = undefined;
    });
  };
  const halt = async (index: number, kill: boolean) => {
    const child = children[index];
    if (!child) return;
    if (kill) await sigkill(child);
    else await stopNatsProcess(child);
    children[index] = undefined;
  };
  const stopAll = () => Promise.all(nodes.map((_, index) => halt(index, false)));
  try {
    await Promise.all(nodes.map((_, index) => start(index)));
  } catch (error) {
    await stopAll();
    throw error;
  }
  const cluster: RunningNatsCluster = {
    nodes,
    urls: nodes.map((node) => node.url),
    url: nodes.map((node) => node.url).join(','),
    syncAlways,
    port: nodeAt(nodes, 0).port,
    dir,
    isRunning: (index) => children[index] !== undefined,
    kill: (index) => halt(index, true),
    start,
    indexOf: (serverName) => nodes.findIndex((node) => node.name === serverName),
    waitForMetaLeader: (timeoutMs = 60_000) =>
      waitForMetaLeader(
        nodes.filter((_, index) => children[index] !== undefined),
        timeoutMs,
      ),
    async stop({ keep = false } = {}) {
      await stopAll();
      if (!keep && !options.dir) rmSync(dir, { recursive: true, force: true });
    },
    async restart() {
      await stopAll();
      await Promise.all(nodes.map((_, index) => start(index)));
    },
    pids: () =>
      Object.fromEntries(
        nodes.flatMap((node, index) => {
          const child = children[index];
          return isRunning(child) ? [[`nats-server-${node.name}`, child.pid]] : [];
        }),
      ),
  };
  return cluster;
}

async function planNodes(dir: string, size: number): Promise<ClusterNode[]> {
  const nodes: ClusterNode[] = [];
  for (let index = 0; index < size; index += 1) {
    const [port, clusterPort, httpPort] = [await freePort(), await freePort(), await freePort()];
    const name = `n${index + 1}`;
    const nodeDir = join(dir, name);
    mkdirSync(nodeDir, { recursive: true });
    nodes.push({
      name,
      url: `nats://127.0.0.1:${port}`,
      port,
      clusterPort,
      httpPort,
      storeDir: join(nodeDir, 'jetstream'),
      configPath: join(nodeDir, 'nats.conf'),
    });
  }
  return nodes;
}

/**
 * Whether the installed nats-server takes `sync_interval: always` (asked with `-t`, which only checks
 * a configuration). Debian's 2.9.10 rejects the key as unknown; deployments must set it (see
 * docs/operations.md, "NATS cluster and server versions").
 */
export function natsServerAcceptsSyncAlways(scratchDir: string): boolean {
  const probe = join(scratchDir, 'sync-probe.conf');
  writeFileSync(
    probe,
    `listen: 127.0.0.1:-1\njetstream { store_dir: ${JSON.stringify(join(scratchDir, 'sync-probe'))}, sync_interval: always }\n`,
  );
  return spawnSync('nats-server', ['-t', '-c', probe], { stdio: 'ignore' }).status === 0;
}

/** One node's configuration: its own ports and store, routes to every other node. */
export function renderNodeConfig(
  node: ClusterNode,
  nodes: readonly ClusterNode[],
  { extraConfig, syncAlways }: { extraConfig: string; syncAlways: boolean },
): string {
  const routes = nodes.filter((peer) => peer !== node).map((peer) => `    nats-route://127.0.0.1:${peer.clusterPort}`);
  return [
    `server_name: ${JSON.stringify(node.name)}`,
    `listen: 127.0.0.1:${node.port}`,
    `http: 127.0.0.1:${node.httpPort}`,
    `jetstream {`,
    `  store_dir: ${JSON.stringify(node.storeDir)}`,
    ...(syncAlways ? ['  sync_interval: always'] : []),
    `  max_memory_store: 256MB`,
    `  max_file_store: 4GB`,
    `}`,
    `cluster {`,
    `  name: ${CLUSTER_NAME}`,
    `  listen: 127.0.0.1:${node.clusterPort}`,
    `  routes: [`,
    ...routes,
    `  ]`,
    `}`,
    extraConfig,
    '',
  ].join('\n');
}

function nodeAt(nodes: readonly ClusterNode[], index: number): ClusterNode {
  const node = nodes[index];
  if (!node) throw new Error(`no cluster node ${index} (the cluster has ${nodes.length})`);
  return node;
}

function sigkill(child: ChildProcess): Promise<void> {
  if (hasExited(child)) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** What `/jsz` says about the JetStream meta group; absent while a node has not joined one. */
async function metaLeaderSeenBy(node: ClusterNode): Promise<string | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${node.httpPort}/jsz`, { signal: AbortSignal.timeout(2_000) });
    const body = (await response.json()) as { meta_cluster?: { leader?: string } };
    return body.meta_cluster?.leader || undefined;
  } catch {
    return undefined;
  }
}

async function waitForMetaLeader(running: readonly ClusterNode[], timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let seen: Array<string | undefined> = [];
  while (Date.now() < deadline) {
    seen = await Promise.all(running.map(metaLeaderSeenBy));
    const [first] = seen;
    if (first && seen.every((leader) => leader === first)) return first;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`no JetStream meta leader agreed on within ${timeoutMs} ms (nodes report ${JSON.stringify(seen)})`);
}
