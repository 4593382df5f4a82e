import type { RegisteredTarget } from '@countersign/contracts';
import type { Policy } from '@countersign/policy';
import { annotationsFor, routeHint, type RouteHint, type ToolAnnotations } from './route-hint';
import { actionArgumentsSchema, jsonSchemaOf, StatusArguments } from './tool-arguments';

/** The requester the gateway acts as, as the registry describes it. */
export interface GatewayRequester {
  name: string;
  allowedKinds: readonly string[];
  allowedEnvironments: readonly string[];
}

export interface ActionTool {
  name: string;
  kind: string;
  target: string;
  description: string;
  inputSchema: Record<string, unknown>;
  annotations: ToolAnnotations;
  route: RouteHint;
}

export interface StatusTool {
  name: typeof STATUS_TOOL;
  description: string;
  inputSchema: Record<string, unknown>;
  annotations: ToolAnnotations;
}

export const STATUS_TOOL = 'countersign_request_status';

/**
 * A tool name per (kind, target): the kind's dots become underscores (kinds never hold one) and a
 * double underscore separates the target, e.g. `http_request__demo-staging`; SEP-986 characters only.
 */
export function actionToolName(kind: string, target: string): string {
  return `${kind.replaceAll('.', '_')}__${target}`;
}

/**
 * One tool per action the registry lets this requester ask for: a kind it may request, on a target
 * that admits it and that kind, in an environment it may act in. Intake checks all of it again.
 */
export function actionTools(requester: GatewayRequester, targets: readonly RegisteredTarget[], policy: Policy | undefined, now: string) {
  const tools: ActionTool[] = [];
  for (const target of targets) {
    if (!target.requesters.includes(requester.name) || !requester.allowedEnvironments.includes(target.environment)) continue;
    for (const kind of target.kinds.filter((candidate) => requester.allowedKinds.includes(candidate))) {
      const route = routeHint(policy, kind, target, now);
      tools.push({
        name: actionToolName(kind, target.name),
        kind,
        target: target.name,
        description: describe(kind, target, route),
        inputSchema: jsonSchemaOf(actionArgumentsSchema(kind)),
        annotations: annotationsFor(kind, target, route),
        route,
      });
    }
  }
  return tools.sort((a, b) => a.name.localeCompare(b.name));
}

function describe(kind: string, target: RegisteredTarget, route: RouteHint): string {
  return [
    `Ask Countersign to run ${kind} on ${target.name}${target.description ? ` (${target.description})` : ''}:`,
    `${target.environment}, ${target.dataSensitivity} data, owned by ${target.ownerTeam}.`,
    route.summary,
    'The call returns the execution result, or an error naming the request id when it is rejected, denied, expired or fails.',
    `If the call is interrupted, ${STATUS_TOOL} with the request id reported in progress returns the outcome.`,
  ].join(' ');
}

export function statusTool(): StatusTool {
  return {
    name: STATUS_TOOL,
    description:
      'The outcome of a request this gateway submitted (accepted, waiting, approved, executed, denied, expired, rejected, failed), by request id; without one, the latest requests. Reads only what the gateway was told.',
    inputSchema: jsonSchemaOf(StatusArguments),
    annotations: {
      title: 'Countersign request status',
      readOnlyHint: true,
      destructiveHint: false,
      idempotentHint: true,
      openWorldHint: false,
    },
  };
}
