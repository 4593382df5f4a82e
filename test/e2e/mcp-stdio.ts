import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { REPO_ROOT, type Stack } from '@countersign/stack';

/**
 * An agent's MCP client that starts the gateway itself, over stdio, as Claude Desktop or Claude
 * Code would (docs/agents.md): one process per client, gone when the client closes.
 */
export async function stdioAgent(
  stack: Stack,
  requester: string,
  env: Record<string, string> = {},
): Promise<{ client: Client; close(): Promise<void> }> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [join(REPO_ROOT, 'scripts', 'service.js'), 'mcp-gateway'],
    cwd: REPO_ROOT,
    env: {
      COUNTERSIGN_HOME: stack.home,
      COUNTERSIGN_NATS_URL: stack.natsUrl,
      COUNTERSIGN_REQUESTER: requester,
      COUNTERSIGN_POLICY_FILE: stack.policyFile,
      ...(process.env.SWC_NODE_PROJECT ? { SWC_NODE_PROJECT: process.env.SWC_NODE_PROJECT } : {}),
      ...env,
    },
    stderr: process.env.E2E_LOG ? 'inherit' : 'ignore',
  });
  const client = new Client({ name: `e2e-agent-stdio-${requester}`, version: '1.0.0' });
  await client.connect(transport);
  return { client, close: () => client.close() };
}
