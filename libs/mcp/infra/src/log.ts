/**
 * The gateway logs to stderr only: on stdio, stdout carries the MCP protocol and one stray line
 * would corrupt it.
 */
export interface GatewayLog {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const stderrLog: GatewayLog = {
  log: (message) => process.stderr.write(`mcp-gateway: ${message}\n`),
  warn: (message) => process.stderr.write(`mcp-gateway: WARN ${message}\n`),
  error: (message) => process.stderr.write(`mcp-gateway: ERROR ${message}\n`),
};
