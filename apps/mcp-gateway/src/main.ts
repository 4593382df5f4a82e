import { errorMessage } from '@countersign/contracts';
import { loadGatewayConfig, openGateway, stderrLog } from '@countersign/mcp-gateway';

/**
 * The MCP gateway: an agent's MCP client talks to it over stdio or Streamable HTTP; it asks
 * Countersign for actions as one requester, in its own name and with its own key, which the agent
 * never sees. Configuration and client set-up: docs/agents.md.
 */
async function main(): Promise<void> {
  const gateway = await openGateway(loadGatewayConfig(process.env), stderrLog);
  let closing: Promise<void> | undefined;
  const stop = () => (closing ??= gateway.close().catch((error: unknown) => stderrLog.error(errorMessage(error))));
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
  await gateway.done;
  await stop();
}

main().catch((error: unknown) => {
  stderrLog.error(`failed: ${errorMessage(error)}`);
  process.exitCode = 1;
});
