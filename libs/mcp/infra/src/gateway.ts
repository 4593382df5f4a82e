import type { NatsConnection } from 'nats';
import { EventTypes, Subjects, type Envelope, type RequestSubmittedV1 } from '@countersign/contracts';
import type { EnvelopeSigner } from '@countersign/identity';
import {
  actionArgumentsSchema,
  finalOutcome,
  heartbeatStep,
  parseArguments,
  pendingOutcome,
  progressSteps,
  STATUS_TOOL,
  StatusArguments,
  type ActionTool,
  type CallOutcome,
  type GatewayError,
  type ProgressStep,
} from '@countersign/mcp-gateway-domain';
import type { OutcomeStore } from './outcome-store';

export interface ToolResult {
  [key: string]: unknown;
  content: Array<{ type: 'text'; text: string }>;
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

/** Per call: the run the session attested, where progress goes, and the client's going away. */
export interface CallContext {
  run?: Envelope;
  progress: (step: ProgressStep) => Promise<void>;
  signal: AbortSignal;
}

export interface GatewayDeps {
  requester: string;
  signer: EnvelopeSigner;
  nc: NatsConnection;
  store: OutcomeStore;
  tools: readonly ActionTool[];
  /** How long a call waits for its outcome before answering pending. */
  waitMs: number;
  /** How often a waiting call reads the outcome store. */
  pollMs?: number;
  /** How long a waiting call stays silent before repeating its last progress step. */
  heartbeatMs?: number;
  clock: () => Date;
  newId: () => string;
}

/**
 * The requester side of the protocol for an agent: a call becomes a signed submission on the
 * requester's own subject, then the call follows the notices intake sends the requester until the
 * request ends or the wait does. The agent never holds a key: the gateway signs, in its own name.
 */
export class Gateway {
  constructor(private readonly deps: GatewayDeps) {}

  get tools(): readonly ActionTool[] {
    return this.deps.tools;
  }

  async call(name: string, args: unknown, ctx: CallContext): Promise<ToolResult> {
    if (name === STATUS_TOOL) return this.status(args, ctx);
    const tool = this.deps.tools.find((candidate) => candidate.name === name);
    if (!tool)
      return refused({
        error: 'unknown_tool',
        message: `no tool ${name}`,
        errors: [{ path: 'name', code: 'unknown_tool', message: name }],
      });
    const parsed = parseArguments(actionArgumentsSchema(tool.kind), args);
    if (!parsed.ok) return refused(parsed.error);
    const { reason, ...rest } = parsed.value;
    const requestId = this.deps.newId();
    const data: RequestSubmittedV1 = {
      requestId,
      action: { kind: tool.kind, target: tool.target, ...rest },
      reason,
      ...(ctx.run ? { run: ctx.run } : {}),
    };
    const envelope = this.deps.signer.sign({
      id: this.deps.newId(),
      type: EventTypes.RequestSubmitted,
      subject: requestId,
      time: this.deps.clock().toISOString(),
      data,
    });
    try {
      // The event id is the JetStream message id: a publish repeated after a lost ack is stored once.
      await this.deps.nc.jetstream().publish(Subjects.submit(this.deps.requester), JSON.stringify(envelope), { msgID: envelope.id });
    } catch (error) {
      const message = `the submission could not be published: ${(error as Error).message}`;
      return refused({ error: 'submission_failed', message, errors: [{ path: '(root)', code: 'submission_failed', message }] });
    }
    this.deps.store.recordCall({ requestId, submissionId: envelope.id, tool: tool.name, submittedAt: envelope.time });
    return toResult(await this.follow(requestId, envelope.id, this.deps.waitMs, ctx));
  }

  private async status(args: unknown, ctx: CallContext): Promise<ToolResult> {
    const parsed = parseArguments(StatusArguments, args);
    if (!parsed.ok) return refused(parsed.error);
    const { requestId, waitSeconds } = parsed.value;
    if (!requestId) return this.recent();
    const call = this.deps.store.call(requestId);
    if (!call) {
      const message = `request ${requestId} was not submitted through this gateway (requester:${this.deps.requester})`;
      return refused({ error: 'unknown_request', message, errors: [{ path: 'arguments.requestId', code: 'unknown_request', message }] });
    }
    const outcome = await this.follow(requestId, call.submissionId, (waitSeconds ?? 0) * 1000, ctx);
    // The lookup worked: the outcome is in the result, whatever it is.
    return toResult({ ...outcome, isError: false });
  }

  private recent(): ToolResult {
    const calls = this.deps.store.recentCalls(20).map((call) => {
      const notices = this.deps.store.noticesFor(call.requestId, call.submissionId);
      const status = finalOutcome(call.requestId, notices)?.structured.status ?? notices.at(-1)?.outcome ?? 'submitted';
      return { ...call, status };
    });
    const text = calls.length === 0 ? 'no requests yet' : calls.map((call) => `${call.requestId} ${call.tool} ${call.status}`).join('\n');
    return { content: [{ type: 'text', text }], structuredContent: { requests: calls } };
  }

  /** Reports each new notice as progress; ends on the final one, the deadline, or the client leaving. */
  private async follow(requestId: string, submissionId: string, waitMs: number, ctx: CallContext): Promise<CallOutcome> {
    const started = this.deps.clock().getTime();
    const deadline = started + waitMs;
    let reported = 0;
    let last: { step: ProgressStep; at: number } | undefined;
    const report = async (step: ProgressStep) => {
      last = { step, at: this.deps.clock().getTime() };
      await ctx.progress(step).catch(() => undefined);
    };
    for (;;) {
      const notices = this.deps.store.noticesFor(requestId, submissionId);
      for (const notice of notices.slice(reported)) {
        for (const step of progressSteps(requestId, notice)) await report(step);
      }
      reported = notices.length;
      const now = this.deps.clock().getTime();
      if (last && now - last.at >= (this.deps.heartbeatMs ?? 20_000)) {
        const beat = heartbeatStep(last.step, Math.round((now - started) / 1000));
        if (beat) await report(beat);
      }
      const final = finalOutcome(requestId, notices);
      if (final) return final;
      if (ctx.signal.aborted || this.deps.clock().getTime() >= deadline) return pendingOutcome(requestId, notices, STATUS_TOOL);
      await new Promise((resolve) => setTimeout(resolve, this.deps.pollMs ?? 150));
    }
  }
}

function toResult(outcome: CallOutcome): ToolResult {
  return { content: [{ type: 'text', text: outcome.text }], structuredContent: outcome.structured, isError: outcome.isError };
}

/** Refusals before anything was submitted: a tool error the agent can correct, in the house shape. */
function refused(error: GatewayError): ToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(error) }], structuredContent: { ...error }, isError: true };
}
