import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type JSONRPCMessage, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { inputLimitProblem, type Envelope, type InputLimits } from '@countersign/contracts';
import { PROGRESS_TOTAL, statusTool, type ProgressStep } from '@countersign/mcp-gateway-domain';
import type { Gateway } from './gateway';

export const GATEWAY_NAME = 'countersign-mcp-gateway';
export const GATEWAY_VERSION = '0.1.0';

/** Every JSON-RPC message before the SDK's schemas read it: bounds on size, depth and breadth. */
export const MESSAGE_LIMITS: InputLimits = {
  maxBytes: 192 * 1024,
  maxDepth: 32,
  maxStringLength: 32 * 1024,
  maxKeys: 500,
  maxItems: 2_000,
};

const INSTRUCTIONS =
  'Each action tool asks Countersign for one action on one protected system. People may have to approve it: the call ' +
  'reports progress (accepted, waiting for approvers, approved, executing) and returns the result, or an error naming ' +
  'the request id. Never retry a denied or expired request unchanged. If a call is cut off, countersign_request_status ' +
  'with the request id from its progress returns the outcome.';

/** One MCP server (one stdio process, or one Streamable HTTP session) over the shared gateway. */
export function createMcpServer(gateway: Gateway, session: { run?: Envelope }): Server {
  const server = new Server(
    { name: GATEWAY_NAME, version: GATEWAY_VERSION },
    { capabilities: { tools: { listChanged: false } }, instructions: INSTRUCTIONS },
  );
  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: [
      ...gateway.tools.map(({ name, description, inputSchema, annotations }) => ({
        name,
        title: annotations.title,
        description,
        inputSchema,
        annotations,
      })),
      { ...statusTool(), title: statusTool().annotations.title },
    ] as unknown as Tool[],
  }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const token = request.params._meta?.progressToken;
    const progress = async (step: ProgressStep) => {
      if (token === undefined) return;
      await extra.sendNotification({
        method: 'notifications/progress',
        params: { progressToken: token, progress: step.progress, total: PROGRESS_TOTAL, message: step.message },
      });
    };
    return gateway.call(request.params.name, request.params.arguments, {
      ...(session.run ? { run: session.run } : {}),
      progress,
      signal: extra.signal,
    });
  });
  return server;
}

/**
 * Wraps a connected transport so every incoming message is bounded before the SDK parses it
 * further; a request over a limit is answered with a structured error and goes no further.
 */
export function guardTransport(transport: Transport): void {
  const inner = transport.onmessage;
  if (!inner) throw new Error('guardTransport: connect the server first');
  transport.onmessage = (message, extra) => {
    const problem = inputLimitProblem(message, MESSAGE_LIMITS);
    if (!problem) return inner(message, extra);
    const id = (message as { id?: string | number }).id;
    if (id === undefined) return;
    const refusal = { error: 'input_limit', message: `the message exceeds a limit: ${problem.message}`, errors: [problem] };
    const reply: JSONRPCMessage = { jsonrpc: '2.0', id, error: { code: -32600, message: refusal.message, data: refusal } };
    void transport.send(reply, { relatedRequestId: id }).catch(() => undefined);
  };
}
