import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Progress } from '@modelcontextprotocol/sdk/types.js';
import { EventTypes, type Envelope, type RequestSubmittedV1 } from '@countersign/contracts';
import { EnvelopeSigner, loadIdentity } from '@countersign/identity';
import { effectsAt, eventually } from './clients';
import { CONFORMANCE_SCENARIOS, NOT_APPLICABLE, runConformance, type ConformanceCheck } from './mcp-conformance';
import { approvalRequested, demoTargetIn, e2eTargets, outcomeOf, startScenario, type Scenario } from './scenario';
import { stdioAgent } from './mcp-stdio';

jest.setTimeout(180_000);

/** What an agent asks: an HTTP POST on the demo system in one environment. */
const deployArgs = (version: string) => ({
  parameters: { method: 'POST', path: '/deploy', body: { version } },
  reason: `MCP e2e ${version}`,
});
const toolIn = (environment: string) => `http_request__${demoTargetIn(environment)}`;

interface CallResult {
  isError?: boolean;
  content: Array<{ type: string; text?: string }>;
  structuredContent?: { requestId?: string; status?: string; error?: string };
}

/** A call whose progress is recorded, so a test can wait for "waiting for approvers" and read the request id. */
function startCall(client: Client, name: string, args: Record<string, unknown>) {
  const progress: Progress[] = [];
  const result = client.callTool({ name, arguments: args }, undefined, {
    onprogress: (step) => progress.push(step),
    resetTimeoutOnProgress: true,
    timeout: 120_000,
  }) as Promise<CallResult>;
  const requestId = () =>
    eventually(() => {
      const waiting = progress.find((step) => step.message?.startsWith('waiting for approvers'));
      const id = waiting?.message?.match(/request ([0-9a-f-]{36})/)?.[1];
      if (!id) throw new Error(`not waiting yet: ${JSON.stringify(progress)}`);
      return id;
    });
  return { progress, result, requestId };
}

/** The steps reported, each once (a long wait repeats its step as a heartbeat). */
const messages = (progress: Progress[]) => [...new Set(progress.map((step) => step.message?.split(':')[0]))];

const WORKLOAD = 'ops-agent';
const STAGING_SCOPE = { name: 'deploy-staging', kinds: ['http.request'], targets: ['demo-staging'], environments: ['staging'] };

describe('the MCP gateway on the real stack', () => {
  let s: Scenario;
  let http: Client;
  let conformance: Map<string, Promise<ConformanceCheck[]>> | undefined;

  /** The scenarios run side by side, once, when the first of their cases asks (each CLI start costs seconds). */
  const conformanceOf = (scenario: string): Promise<ConformanceCheck[]> => {
    conformance ??= new Map(CONFORMANCE_SCENARIOS.map((name) => [name, runConformance(s.stack.mcpGatewayUrl, name)]));
    for (const run of conformance.values()) run.catch(() => undefined);
    return conformance.get(scenario)!;
  };

  const connectHttp = async (headers: Record<string, string> = {}) => {
    const client = new Client({ name: 'e2e-agent-http', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(s.stack.mcpGatewayUrl), { requestInit: { headers } }));
    return client;
  };

  beforeAll(async () => {
    // One agent workload too (docs/agents.md, "Run attestation"), allowed staging and production,
    // whose runs name a task scope; deploy-bot and payments-agent stay ordinary requesters.
    const targets = e2eTargets();
    for (const target of targets.targets) if (['demo-staging', 'demo-target'].includes(target.name)) target.requesters.push(WORKLOAD);
    s = await startScenario({
      mcpGateway: { requester: 'deploy-bot' },
      targets,
      describe: (description) => {
        description.requesters.push({
          name: WORKLOAD,
          description: 'AI agent workload (MCP e2e)',
          allowedKinds: ['http.request'],
          allowedEnvironments: ['staging', 'production'],
          owner: 'dave',
          workload: { agent: 'claude-code', environment: 'staging', taskScopes: [STAGING_SCOPE] },
        });
      },
    });
    http = await connectHttp();
  });

  afterAll(async () => {
    await http?.close();
    await s?.close();
  });

  it('lists one tool per allowed kind and target, with schemas from the contracts and annotations from the policy', async () => {
    const { tools } = await http.listTools();
    const names = tools.map((tool) => tool.name);
    expect(names).toEqual(expect.arrayContaining([toolIn('staging'), toolIn('production'), toolIn('qa'), 'countersign_request_status']));
    expect(names).not.toContain('payment_transfer__demo-target');
    const staging = tools.find((tool) => tool.name === toolIn('staging'))!;
    expect(staging.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true });
    expect(staging.inputSchema).toMatchObject({ type: 'object', required: ['parameters', 'reason'], additionalProperties: false });
    expect(tools.find((tool) => tool.name === toolIn('production'))!.annotations).toMatchObject({ destructiveHint: true });
  });

  it('refuses input beyond the limits or the schema with structured errors, and submits nothing', async () => {
    const nested = (levels: number) => {
      let value: unknown = 'x';
      for (let i = 0; i < levels; i += 1) value = { deep: value };
      return value;
    };
    // Within the message's bounds, beyond the arguments' (24 levels): a tool error the agent can correct.
    const tooDeep = (await http.callTool({
      name: toolIn('staging'),
      arguments: { parameters: { deep: nested(25) }, reason: 'x' },
    })) as CallResult;
    expect(tooDeep).toMatchObject({ isError: true, structuredContent: { error: 'input_limit', errors: [{ code: 'too_deep' }] } });
    // Beyond the message's bounds (32 levels): refused at the HTTP ingress before the SDK parses it.
    await expect(http.callTool({ name: toolIn('staging'), arguments: { parameters: nested(100), reason: 'x' } })).rejects.toThrow(
      /"error":"input_limit".*"code":"too_deep"/,
    );
    const wrong = (await http.callTool({ name: toolIn('staging'), arguments: { reason: 'x', environment: 'dev' } })) as CallResult;
    expect(wrong).toMatchObject({ isError: true, structuredContent: { error: 'invalid_arguments' } });
  });

  it('holds a call that needs two approvers until two signed votes arrive, then returns the result (HTTP)', async () => {
    const call = startCall(http, toolIn('production'), deployArgs('quorum-1'));
    const requestId = await call.requestId();
    const { digest, quorum } = await approvalRequested(s.audit, requestId);
    expect(quorum).toBe(2);
    await s.approvers.alice.vote(requestId, digest, 'approve', 'looked at it');
    await eventually(() => expect(s.audit.eventsFor(requestId).map((event) => event.type)).toContain(EventTypes.VoteRecorded));
    const early = await Promise.race([
      call.result.then(() => 'returned'),
      new Promise((resolve) => setTimeout(() => resolve('held'), 500)),
    ]);
    expect(early).toBe('held');
    await s.approvers.bob.vote(requestId, digest, 'approve', 'second pair of eyes');
    const result = await call.result;
    expect(result).toMatchObject({ isError: false, structuredContent: { requestId, status: 'executed' } });
    expect(messages(call.progress)).toEqual(['accepted', 'waiting for approvers', 'approved', 'executing']);
  });

  it('returns a tool error naming the request for a denied call and for an expired one', async () => {
    const denied = startCall(http, toolIn('production'), deployArgs('deny-1'));
    const deniedId = await denied.requestId();
    const { digest } = await approvalRequested(s.audit, deniedId);
    await s.approvers.bob.vote(deniedId, digest, 'deny', 'not today');
    const deniedResult = await denied.result;
    expect(deniedResult).toMatchObject({ isError: true, structuredContent: { requestId: deniedId, status: 'denied' } });
    expect(deniedResult.content[0]!.text).toContain(`request ${deniedId} DENIED`);
    // demo-qa's tier expires pending approvals after two seconds.
    const expired = (await http.callTool({ name: toolIn('qa'), arguments: deployArgs('expire-1') })) as CallResult;
    expect(expired).toMatchObject({ isError: true, structuredContent: { status: 'expired' } });
    expect(expired.content[0]!.text).toMatch(/request [0-9a-f-]{36} EXPIRED/);
  });

  it('over stdio: the request goes on when the client leaves, the next client gets its outcome, and an auto-approved call returns its result', async () => {
    const first = await stdioAgent(s.stack, 'payments-agent');
    const call = startCall(first.client, toolIn('production'), deployArgs('away-1'));
    const requestId = await call.requestId();
    call.result.catch(() => undefined);
    // The agent (and with it the stdio gateway process) goes away while the request waits.
    await first.close();
    const { digest } = await approvalRequested(s.audit, requestId);
    await s.approvers.alice.vote(requestId, digest, 'approve', 'fine');
    await s.approvers.bob.vote(requestId, digest, 'approve', 'fine too');
    await outcomeOf(s.paymentsAgent, requestId, 'executed');
    // No payments-agent gateway ran meanwhile: the new one reads the notices from its durable consumer.
    const second = await stdioAgent(s.stack, 'payments-agent');
    try {
      const status = (await second.client.callTool({
        name: 'countersign_request_status',
        arguments: { requestId, waitSeconds: 20 },
      })) as CallResult;
      expect(status).toMatchObject({ isError: false, structuredContent: { requestId, status: 'executed' } });
      // The same agent asks for an action the policy approves on its own: the call returns the result.
      const auto = startCall(second.client, toolIn('staging'), deployArgs('auto-1'));
      const result = await auto.result;
      expect(result).toMatchObject({ isError: false, structuredContent: { status: 'executed' } });
      // Its progress is not asserted: the SDK client handles a response before the progress
      // notifications read in the same chunk, so a call that ends at once may lose them on the
      // client side (the HTTP case above checks every step of a call that waits).
      expect(await effectsAt(s.stack, result.structuredContent!.requestId)).toHaveLength(1);
    } finally {
      await second.close();
    }
  });

  it('returns a tool error naming the request for a call outside its run’s task scope, and runs the one inside it', async () => {
    const signer = new EnvelopeSigner(`requester:${WORKLOAD}`, loadIdentity(s.stack.home, `requester:${WORKLOAD}`).signing);
    const now = new Date();
    const data = {
      runId: `run-${randomUUID()}`,
      workload: `requester:${WORKLOAD}`,
      taskScope: STAGING_SCOPE.name,
      onBehalfOf: 'approver:dave',
      issuedAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + 30 * 60_000).toISOString(),
    };
    const runFile = join(s.stack.home, `${WORKLOAD}-run.json`);
    writeFileSync(
      runFile,
      JSON.stringify(signer.sign({ id: randomUUID(), type: EventTypes.RunAttested, subject: data.runId, time: data.issuedAt, data })),
    );
    const agent = await stdioAgent(s.stack, WORKLOAD, { COUNTERSIGN_RUN_ATTESTATION_FILE: runFile });
    try {
      const outside = (await agent.client.callTool({ name: toolIn('production'), arguments: deployArgs('scope-1') })) as CallResult;
      expect(outside).toMatchObject({ isError: true, structuredContent: { status: 'rejected' } });
      expect(outside.content[0]!.text).toMatch(/request [0-9a-f-]{36} REJECTED.*run_out_of_scope/);
      const inside = (await agent.client.callTool({ name: toolIn('staging'), arguments: deployArgs('scope-2') })) as CallResult;
      expect(inside).toMatchObject({ isError: false, structuredContent: { status: 'executed' } });
    } finally {
      await agent.close();
    }
  });

  it('puts the session’s run attestation in the signed submission', async () => {
    const signer = new EnvelopeSigner('requester:deploy-bot', loadIdentity(s.stack.home, 'requester:deploy-bot').signing);
    const now = new Date();
    const run = signer.sign({
      id: randomUUID(),
      type: 'countersign.run.attested.v1',
      subject: randomUUID(),
      time: now.toISOString(),
      data: {
        runId: randomUUID(),
        workload: 'requester:deploy-bot',
        taskScope: 'deploy-staging',
        onBehalfOf: 'approver:carol',
        issuedAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + 30 * 60_000).toISOString(),
      },
    });
    const attested = await connectHttp({ 'Countersign-Run-Attestation': Buffer.from(JSON.stringify(run)).toString('base64url') });
    try {
      const result = (await attested.callTool({ name: toolIn('staging'), arguments: deployArgs('run-1') })) as CallResult;
      const requestId = result.structuredContent!.requestId!;
      const submitted = await eventually(() => {
        const found = s.audit.eventsFor(requestId).find((event) => event.type === EventTypes.RequestSubmitted);
        if (!found) throw new Error('submission not audited yet');
        return found as Envelope<RequestSubmittedV1>;
      });
      expect(submitted.data.run).toEqual(run);
      // deploy-bot is no agent workload: intake refuses a run from it, and the agent hears why.
      expect(result).toMatchObject({ isError: true, structuredContent: { requestId, status: 'rejected' } });
      expect(result.content[0]!.text).toContain('run_invalid');
    } finally {
      await attested.close();
    }
  });

  it.each(CONFORMANCE_SCENARIOS.map((scenario) => [scenario]))(
    'passes the MCP conformance scenario %s over Streamable HTTP',
    async (scenario) => {
      const checks = await conformanceOf(scenario);
      expect(checks.filter((check) => check.status === 'FAILURE')).toEqual([]);
      expect(checks.filter((check) => check.status === 'SUCCESS').length).toBeGreaterThan(0);
    },
  );

  // Listed, never passed: each says why it does not apply to the gateway.
  for (const [scenario, reason] of Object.entries(NOT_APPLICABLE))
    it.skip(`conformance ${scenario}: not applicable, ${reason}`, () => undefined);
});
