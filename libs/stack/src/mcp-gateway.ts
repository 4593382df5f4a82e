/** The MCP gateway's process name in the stack (scripts/service.js mcp-gateway). */
export const MCP_GATEWAY = 'mcp-gateway';

/**
 * The gateway over Streamable HTTP on its port, as one requester; it inherits the stack's
 * environment, so it reads the stack's policy (COUNTERSIGN_POLICY_FILE) for its annotations.
 */
export function mcpGatewayEnv(
  gateway: { requester: string; env?: Record<string, string> } | undefined,
  port: number,
): Record<string, string> {
  return {
    COUNTERSIGN_MCP_TRANSPORT: 'http',
    COUNTERSIGN_MCP_PORT: String(port),
    COUNTERSIGN_REQUESTER: gateway?.requester ?? '',
    ...gateway?.env,
  };
}
