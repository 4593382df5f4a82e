import { randomUUID } from 'node:crypto';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { EnvelopeSigner, identityFileOf, loadRegistry } from '@countersign/identity';
import { actionTools, type ActionTool } from '@countersign/mcp-gateway-domain';
import { requesterConsumer } from '@countersign/contracts';
import {
  connectOwnNats,
  consumersCheck,
  loadEnrolledKey,
  natsCheck,
  operationsEndpoint,
  ServiceMetrics,
  startOperationsServer,
} from '@countersign/service-runtime';
import { loadPolicyBundleOrThrow } from '@countersign/policy-engine';
import type { GatewayConfig } from './config';
import { Gateway } from './gateway';
import { serveHttp } from './http';
import type { GatewayLog } from './log';
import { createMcpServer, guardTransport } from './mcp-server';
import { NotificationFeed } from './notification-feed';
import { OutcomeStore } from './outcome-store';
import { readRunAttestationFile } from './run-attestation';

export interface RunningGateway {
  /** The Streamable HTTP endpoint, when serving HTTP. */
  url?: string;
  tools: readonly ActionTool[];
  /** Resolves when the stdio client has gone (stdin ended); never for HTTP. */
  done: Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts the gateway as its requester: its own key (made on first start, enrolled like any
 * requester's), its own NATS user, the registry's view of what it may ask for, its outcome store
 * and its durable notification consumer; then serves MCP over stdio or Streamable HTTP.
 */
export async function openGateway(config: GatewayConfig, log: GatewayLog): Promise<RunningGateway> {
  const owner = `requester:${config.requester}`;
  const { own, trust } = loadEnrolledKey(config, owner, log);
  const registry = loadRegistry(config.home);
  const requester = registry.requesters.find((candidate) => candidate.name === config.requester);
  if (!requester) throw new Error(`${owner} is not a registered requester`);
  const policy = config.policyFile ? loadPolicyBundleOrThrow(config.policyFile).policy : undefined;
  const tools = actionTools(requester, registry.targets, policy, new Date().toISOString());
  const run = config.runAttestationFile ? readRunAttestationFile(config.runAttestationFile, config.requester) : undefined;
  const nc = await connectOwnNats(config, own, `mcp-gateway:${owner}`, log);
  const store = OutcomeStore.open(config.dbFile);
  const feed = new NotificationFeed(nc, config.requester, () => trust.current, store, log);
  await feed.start();
  trust.start(2000);
  const signer = new EnvelopeSigner(owner, identityFileOf(own.file).signing);
  const gateway = new Gateway({
    requester: config.requester,
    signer,
    nc,
    store,
    tools,
    waitMs: config.waitMs,
    clock: () => new Date(),
    newId: randomUUID,
  });
  const shutdown = async (closeServer: () => Promise<void>) => {
    await closeServer();
    await feed.stop();
    trust.stop();
    await nc.drain().catch(() => undefined);
    store.close();
  };
  if (config.transport === 'http') {
    const http = await serveHttp(gateway, { ...config.http, requester: config.requester, ...(run ? { defaultRun: run } : {}) }, log);
    // Over HTTP the gateway is a long-running service: liveness, readiness and metrics on their own port.
    const operations = await startOperationsServer({
      service: 'mcp-gateway',
      ...operationsEndpoint(process.env),
      metrics: new ServiceMetrics('mcp-gateway'),
      alive: () => !nc.isClosed(),
      readiness: [
        natsCheck(nc),
        consumersCheck(nc, [requesterConsumer(config.requester)], () => true),
        { name: 'store', check: () => Promise.resolve(store.ping()) },
      ],
    });
    log.log(`COUNTERSIGN_READY mcp-gateway as ${owner} on ${http.url} (${tools.length} action tools)`);
    return {
      url: http.url,
      tools,
      done: new Promise(() => undefined),
      close: () =>
        shutdown(async () => {
          await operations.close();
          await http.close();
        }),
    };
  }
  const server = createMcpServer(gateway, run ? { run } : {});
  const transport = new StdioServerTransport();
  await server.connect(transport);
  guardTransport(transport);
  const done = new Promise<void>((resolve) => process.stdin.once('end', resolve));
  log.log(`COUNTERSIGN_READY mcp-gateway as ${owner} on stdio (${tools.length} action tools)`);
  return { tools, done, close: () => shutdown(() => server.close()) };
}
