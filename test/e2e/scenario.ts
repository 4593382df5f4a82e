import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApprovalRequestedV1, Envelope } from '@countersign/contracts';
import { defaultDescription, defaultTargets, REPO_ROOT, startStack, type Stack } from '@countersign/stack';
import { ApproverClient, AuditReader, RequesterClient, eventually } from './clients';

/** A tier for environment `qa` whose pending approvals expire after two seconds, after any `extraTiers`. */
function e2ePolicyFile(extraTiers: readonly object[], reviewBy?: string): string {
  const policy = JSON.parse(readFileSync(join(REPO_ROOT, 'deploy', 'policies', 'default.policy.json'), 'utf8')) as {
    label: string;
    reviewBy: string;
    tiers: unknown[];
  };
  policy.label = 'e2e';
  if (reviewBy) policy.reviewBy = reviewBy;
  policy.tiers.unshift({
    name: 'qa-short-fuse',
    match: { environments: ['qa'] },
    mode: 'quorum',
    quorum: 2,
    groups: ['sre'],
    pendingTtlSeconds: 2,
  });
  policy.tiers.unshift(...extraTiers);
  const dir = mkdtempSync(join(tmpdir(), 'countersign-policy-'));
  const file = join(dir, 'e2e.policy.json');
  writeFileSync(file, JSON.stringify(policy, null, 2));
  // The tier file names its Cedar file (`authorization`), which lives next to it.
  copyFileSync(join(REPO_ROOT, 'deploy', 'policies', 'default.cedar'), join(dir, 'default.cedar'));
  return file;
}

/**
 * The demo system's registered name in each environment: the target registry, not the request,
 * says which environment an action runs in (deploy/targets.json, plus `demo-qa` registered here).
 */
export const DEMO_TARGETS: Readonly<Record<string, string>> = { production: 'demo-target', staging: 'demo-staging', qa: 'demo-qa' };

export function demoTargetIn(environment: string): string {
  const name = DEMO_TARGETS[environment];
  if (!name) throw new Error(`no demo target is registered in ${environment}`);
  return name;
}

/** deploy/targets.json plus the demo system registered once more, in `qa`, for the short-fuse tier. */
export function e2eTargets() {
  const targets = defaultTargets();
  const demo = targets.targets.find((target) => target.name === 'demo-target')!;
  targets.targets.push({ ...demo, name: 'demo-qa', environment: 'qa', dataSensitivity: 'confidential', kinds: ['http.request'] });
  return targets;
}

export interface Scenario {
  stack: Stack;
  deployBot: RequesterClient;
  paymentsAgent: RequesterClient;
  approvers: Record<'alice' | 'bob' | 'carol' | 'dave', ApproverClient>;
  audit: AuditReader;
  /** Closes the scenario's own NATS clients (once; close() does it too). */
  closeClients(): Promise<void>;
  close(): Promise<void>;
}

/** The real stack, plus the outside parties of the e2e stories, each with its own identity. */
export async function startScenario(
  options: {
    extraTiers?: readonly object[];
    reviewBy?: string;
    slack?: { env: Record<string, string> };
    /** Extra environment for every service, e.g. a lower COUNTERSIGN_MAX_DELIVER. */
    env?: Record<string, string>;
    /** Every output line of every process, e.g. to see services re-read trust.json (key rotation). */
    log?: (name: string, line: string) => void;
    /** Another target registry than e2eTargets(), e.g. with a real PostgreSQL's address. */
    targets?: ReturnType<typeof e2eTargets>;
    /** More SIEM readers to provision, e.g. one for the SIEM forwarder (the e2e AuditReader is `splunk`). */
    siemReaders?: string[];
    siemForwarder?: { env: Record<string, string> };
    /** Also run the SSH demo target (a real sshd registered as demo-ssh). */
    sshDemo?: boolean;
    /** Changes deploy/identities.json before provisioning, e.g. to register agent workloads. */
    describe?: (description: ReturnType<typeof defaultDescription>) => void;
    /** Also run the MCP gateway over Streamable HTTP as this requester (docs/agents.md). */
    mcpGateway?: { requester: string; env?: Record<string, string> };
  } = {},
): Promise<Scenario> {
  const description = defaultDescription();
  options.describe?.(description);
  for (const requester of description.requesters) requester.allowedEnvironments.push('qa');
  description.siemReaders.push(...(options.siemReaders ?? []));
  const stack = await startStack({
    description,
    targets: options.targets ?? e2eTargets(),
    policyFile: e2ePolicyFile(options.extraTiers ?? [], options.reviewBy),
    env: { COUNTERSIGN_TIMER_MS: '200', ...options.env },
    jetstream: { ackWaitMs: 4_000 },
    ...(options.slack ? { slack: options.slack } : {}),
    ...(options.siemForwarder ? { siemForwarder: options.siemForwarder } : {}),
    ...(options.sshDemo ? { sshDemo: true } : {}),
    ...(options.mcpGateway ? { mcpGateway: options.mcpGateway } : {}),
    log: (n, l) => {
      options.log?.(n, l);
      if (process.env.E2E_LOG) console.log(`${n}| ${l}`);
    },
  });
  const audit = await AuditReader.connect(stack);
  const [deployBot, paymentsAgent, alice, bob, carol, dave] = await Promise.all([
    RequesterClient.connect(stack, 'deploy-bot'),
    RequesterClient.connect(stack, 'payments-agent'),
    ApproverClient.connect(stack, 'alice', audit),
    ApproverClient.connect(stack, 'bob', audit),
    ApproverClient.connect(stack, 'carol', audit),
    ApproverClient.connect(stack, 'dave', audit),
  ]);
  const approvers = { alice, bob, carol, dave };
  let clientsClosed: Promise<void> | undefined;
  const closeClients = () =>
    (clientsClosed ??= Promise.all([
      deployBot.close(),
      paymentsAgent.close(),
      audit.close(),
      ...Object.values(approvers).map((a) => a.close()),
    ]).then(() => undefined));
  return {
    stack,
    deployBot,
    paymentsAgent,
    approvers,
    audit,
    closeClients,
    close: async () => {
      await closeClients();
      await stack.shutdown();
    },
  };
}

/** Waits until the requester has heard `outcome` for the request; returns everything it heard. */
export function outcomeOf(requester: RequesterClient, requestId: string, outcome: string, timeoutMs = 20_000): Promise<string[]> {
  return eventually(() => {
    const heard = requester.outcomes({ requestId });
    if (!heard.includes(outcome)) throw new Error(`expected ${outcome} for ${requestId}, heard [${heard.join(', ')}]`);
    return heard;
  }, timeoutMs);
}

/** The digest approvers see, taken from approval's ApprovalRequested on the audit stream. */
export function approvalRequested(audit: AuditReader, requestId: string): Promise<ApprovalRequestedV1> {
  return eventually(() => {
    const found = audit.eventsFor(requestId).find((event) => event.type === 'countersign.approval.requested.v1') as
      Envelope<ApprovalRequestedV1> | undefined;
    if (!found) throw new Error(`no approval requested for ${requestId} yet`);
    return found.data;
  });
}
