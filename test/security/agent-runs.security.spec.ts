import { randomUUID } from 'node:crypto';
import { verifyChain } from '@countersign/audit-chain';
import {
  EventTypes,
  type ActionRequest,
  type AuditRecordV1,
  type Envelope,
  type RequestAcceptedV1,
  type RequestRejectedV1,
  type RunAttestedV1,
  type VoteRejectedV1,
} from '@countersign/contracts';
import { EnvelopeSigner, loadIdentity } from '@countersign/identity';
import { eventually, RequesterClient, approvalRequested, e2eTargets, outcomeOf, startScenario, type Scenario } from '@countersign/e2e';
import { codeCounts, recordAttack, tallyOf } from './report';
import { attackEffects } from './support/evidence';

jest.setTimeout(240_000);

const SUITE = 'agent-runs';
const WORKLOAD = 'ops-agent';
const OTHER_WORKLOAD = 'build-agent';

/**
 * Verification before approval (issue 19): an agent workload presents a run attestation with every
 * submission, and intake refuses a request outside the run's task scope, from an expired run, from
 * another workload's run or with no run, whatever the policy would have decided. Every action
 * below is one the low-risk tier would auto-approve and execute (http.request on demo-staging),
 * so a refusal is the run gate's doing. Real stack, real keys: the attacker is the workload itself
 * (or holds another workload's key), submitting on its own subject with its own signature.
 */
const scopes = [
  { name: 'deploy-staging', kinds: ['http.request'], targets: ['demo-staging'], environments: ['staging'] },
  { name: 'qa-checks', kinds: ['http.request'], targets: ['demo-qa'], environments: ['qa'] },
  { name: 'deploy-production', kinds: ['http.request'], targets: ['demo-target'], environments: ['production'] },
];

interface Attempt {
  row: string;
  /** Who signs the run, and what it says (defaults: the workload itself, a fresh in-scope run). */
  runSigner?: string;
  run?: Partial<RunAttestedV1> | 'none';
  /** The field errors intake must answer with, as `path code`. */
  codes: string[];
  requestId?: string;
}

const OUT_OF_SCOPE = "outside the run's task scope (policy would auto-approve)";
const EXPIRED = 'expired run';
const FOREIGN = "another workload's run";
const NO_RUN = 'no run at all';

const minutesFromNow = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();

const ATTEMPTS: Attempt[] = [
  { row: OUT_OF_SCOPE, run: { taskScope: 'qa-checks' }, codes: ['action.target run_out_of_scope', 'action.environment run_out_of_scope'] },
  { row: OUT_OF_SCOPE, run: { taskScope: 'rotate-secrets' }, codes: ['run.data.taskScope run_out_of_scope'] },
  { row: EXPIRED, run: { issuedAt: minutesFromNow(-120), expiresAt: minutesFromNow(-60) }, codes: ['run.data.expiresAt run_expired'] },
  { row: EXPIRED, run: { issuedAt: minutesFromNow(-30), expiresAt: minutesFromNow(-0.05) }, codes: ['run.data.expiresAt run_expired'] },
  { row: FOREIGN, runSigner: OTHER_WORKLOAD, run: { workload: `requester:${OTHER_WORKLOAD}` }, codes: ['run run_foreign'] },
  // The other workload's key, signing in this workload's name: the trust store's signer_mismatch.
  { row: FOREIGN, runSigner: `${OTHER_WORKLOAD}-as-${WORKLOAD}`, codes: ['run run_invalid'] },
  { row: NO_RUN, run: 'none', codes: ['run run_required'] },
];

const stagingCall: ActionRequest = { kind: 'http.request', target: 'demo-staging', parameters: { method: 'POST', path: '/agent-task' } };
const productionCall: ActionRequest = { ...stagingCall, target: 'demo-target' };
const SELF_APPROVAL = 'the human the run acts for approves it';

describe('verification before approval: an agent workload acts only within a live run of its own', () => {
  let s: Scenario;
  let agent: RequesterClient;
  let control: string;
  let selfApproved: string;
  const signers = new Map<string, EnvelopeSigner>();

  /** Signs a run attestation; `as-` signers use one workload's key under the other's name. */
  function runEnvelope(attempt: Pick<Attempt, 'runSigner' | 'run'>): Envelope<RunAttestedV1> {
    const who = attempt.runSigner ?? WORKLOAD;
    const signer = signers.get(who)!;
    const data: RunAttestedV1 = {
      runId: `run-${randomUUID()}`,
      workload: `requester:${WORKLOAD}`,
      taskScope: 'deploy-staging',
      onBehalfOf: 'approver:dave',
      issuedAt: minutesFromNow(-1),
      expiresAt: minutesFromNow(30),
      ...(attempt.run === 'none' ? {} : attempt.run),
    };
    return signer.sign({ id: randomUUID(), type: EventTypes.RunAttested, subject: data.runId, time: data.issuedAt, data });
  }

  async function submitWithRun(attempt: Pick<Attempt, 'runSigner' | 'run'>, reason: string, action = stagingCall): Promise<string> {
    const requestId = randomUUID();
    const run = attempt.run === 'none' ? {} : { run: runEnvelope(attempt) };
    await agent.publish(agent.sign({ requestId, action, reason, ...run }));
    return requestId;
  }

  const voteRejectedOnAudit = (requestId: string) =>
    s.audit.eventsFor(requestId).find((event) => event.type === EventTypes.VoteRejected) as Envelope<VoteRejectedV1> | undefined;
  const rejectedOnAudit = (requestId: string) =>
    s.audit.eventsFor(requestId).find((event) => event.type === EventTypes.RequestRejected) as Envelope<RequestRejectedV1> | undefined;
  const heardCodes = (attempt: Attempt) =>
    agent
      .notificationsFor(attempt.requestId!)
      .flatMap((notice) => notice.data.errors ?? [])
      .map((error) => `${error.path} ${error.code}`);
  const chainIncludes = (requestId: string, type: string) => {
    const records: AuditRecordV1[] = s.audit.records;
    return (
      verifyChain(records).ok &&
      records.some((record) => record.requestId === requestId && (record.event as { type?: string }).type === type)
    );
  };
  const neverAccepted = (attempt: Attempt) =>
    !s.audit
      .eventsFor(attempt.requestId!)
      .some((event) => event.type === EventTypes.RequestAccepted || event.type === EventTypes.ApprovalRequested);

  beforeAll(async () => {
    const targets = e2eTargets();
    for (const target of targets.targets) {
      if (['demo-staging', 'demo-target', 'demo-qa'].includes(target.name)) target.requesters.push(WORKLOAD, OTHER_WORKLOAD);
    }
    s = await startScenario({
      targets,
      describe: (description) => {
        for (const name of [WORKLOAD, OTHER_WORKLOAD]) {
          description.requesters.push({
            name,
            description: 'AI agent workload (issue 19 security suite)',
            allowedKinds: ['http.request'],
            allowedEnvironments: ['staging', 'production', 'qa'],
            owner: 'dave',
            workload: { agent: 'claude-code', environment: 'staging', taskScopes: scopes },
          });
        }
      },
    });
    agent = await RequesterClient.connect(s.stack, WORKLOAD);
    for (const name of [WORKLOAD, OTHER_WORKLOAD]) {
      signers.set(name, new EnvelopeSigner(`requester:${name}`, loadIdentity(s.stack.home, `requester:${name}`).signing));
    }
    const otherKey = loadIdentity(s.stack.home, `requester:${OTHER_WORKLOAD}`).signing;
    signers.set(`${OTHER_WORKLOAD}-as-${WORKLOAD}`, new EnvelopeSigner(`requester:${WORKLOAD}`, otherKey));

    // A legitimate run first: the gate lets a live, in-scope run of the workload's own through.
    control = await submitWithRun({}, 'legitimate control');
    await outcomeOf(agent, control, 'executed', 60_000);
    for (const attempt of ATTEMPTS) attempt.requestId = await submitWithRun(attempt, attempt.row);
    await eventually(() => {
      for (const attempt of ATTEMPTS) {
        if (!rejectedOnAudit(attempt.requestId!)) throw new Error(`${attempt.row}: ${attempt.requestId} not on the audit stream yet`);
      }
    }, 90_000);
    // A production change in the run of a human who is also an SRE approver: their vote is their own request's.
    selfApproved = await submitWithRun(
      { run: { taskScope: 'deploy-production', onBehalfOf: 'approver:alice' } },
      SELF_APPROVAL,
      productionCall,
    );
    const { digest } = await approvalRequested(s.audit, selfApproved);
    await s.approvers.alice.vote(selfApproved, digest, 'approve');
    await eventually(() => {
      if (!voteRejectedOnAudit(selfApproved)) throw new Error(`alice's vote on ${selfApproved} not judged yet`);
    }, 30_000);
    // Give a wrongly accepted request time to be auto-approved and run before counting effects.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await recordAll();
  });

  afterAll(async () => {
    await agent?.close();
    await s?.close();
  });

  async function recordAll(): Promise<void> {
    const caused = await attackEffects(s.stack, new Set([control]));
    const rows = [...new Set(ATTEMPTS.map((attempt) => attempt.row))];
    rows.forEach((row, index) => {
      const list = ATTEMPTS.filter((attempt) => attempt.row === row);
      const tally = tallyOf({ suite: SUITE, attack: row, layer: 'domain' }, list, {
        rejected: (attempt) => JSON.stringify(heardCodes(attempt)) === JSON.stringify(attempt.codes) && neverAccepted(attempt),
        auditable: () => true,
        audited: (attempt) => chainIncludes(attempt.requestId!, EventTypes.RequestRejected),
      });
      const notes = [codeCounts(list.flatMap((attempt) => heardCodes(attempt).map((code) => code.split(' ')[1]!)))];
      recordAttack({ ...tally, executions: index === 0 ? caused : 0, notes });
    });
    const rejectedVote = voteRejectedOnAudit(selfApproved);
    const approved = s.audit.eventsFor(selfApproved).some((event) => event.type === EventTypes.RequestApproved);
    recordAttack({
      ...tallyOf({ suite: SUITE, attack: SELF_APPROVAL, layer: 'domain' }, [selfApproved], {
        rejected: () => rejectedVote?.data.code === 'self_approval' && !approved,
        auditable: () => true,
        audited: (requestId) => chainIncludes(requestId, EventTypes.VoteRejected),
      }),
      notes: [`vote.rejected ${rejectedVote?.data.code ?? 'missing'}`],
    });
  }

  it('refuses each attempt with the run code, naming the field, and tells the workload', () => {
    const wrong = ATTEMPTS.flatMap((attempt) => {
      const heard = heardCodes(attempt);
      return JSON.stringify(heard) === JSON.stringify(attempt.codes) ? [] : [`${attempt.row}: heard [${heard.join(', ')}]`];
    });
    expect(wrong).toEqual([]);
  });

  it('accepts none of them, though the policy would have auto-approved every one', () => {
    expect(ATTEMPTS.filter((attempt) => !neverAccepted(attempt)).map((attempt) => attempt.row)).toEqual([]);
  });

  it("records each refusal in audit's hash chain, with the codes the workload heard and its signed submission, run included", () => {
    const missing = ATTEMPTS.flatMap((attempt) => {
      const rejected = rejectedOnAudit(attempt.requestId!)?.data;
      const onAudit = rejected?.errors.map((error) => `${error.path} ${error.code}`);
      const carriesRun = attempt.run === 'none' || (rejected?.submission?.data as { run?: unknown } | undefined)?.run !== undefined;
      const chained = chainIncludes(attempt.requestId!, EventTypes.RequestRejected);
      return chained && carriesRun && JSON.stringify(onAudit) === JSON.stringify(attempt.codes) ? [] : [attempt.row];
    });
    expect(missing).toEqual([]);
    expect(verifyChain(s.audit.records)).toMatchObject({ ok: true });
  });

  it('puts the workload, the run and the human it acts for on the wire of the accepted control request', () => {
    const accepted = s.audit.eventsFor(control).find((event) => event.type === EventTypes.RequestAccepted) as
      Envelope<RequestAcceptedV1> | undefined;
    expect(accepted?.data.agent).toMatchObject({
      workload: `requester:${WORKLOAD}`,
      taskScope: 'deploy-staging',
      onBehalfOf: 'approver:dave',
    });
    expect(accepted?.data.agent?.runId).toMatch(/^run-/);
  });

  it("proves the control's custody, the accepted agent matching the run in its signed submission", async () => {
    await eventually(() => {
      const types = s.audit.eventsFor(control).map((event) => event.type);
      if (!types.includes(EventTypes.CustodyVerified)) throw new Error(`no custody.verified for ${control} yet`);
      expect(types).not.toContain(EventTypes.AuditViolation);
    }, 30_000);
  });

  it("refuses the vote of the human the agent's run acts for, as self-approval, and records it", () => {
    expect(voteRejectedOnAudit(selfApproved)?.data).toMatchObject({ voter: 'approver:alice', code: 'self_approval' });
    expect(chainIncludes(selfApproved, EventTypes.VoteRejected)).toBe(true);
    expect(s.audit.eventsFor(selfApproved).map((event) => event.type)).not.toContain(EventTypes.RequestApproved);
  });

  it('caused no execution at the demo target but the control', async () => {
    expect(await attackEffects(s.stack, new Set([control]))).toBe(0);
  });

  it('holds each run to its own pending budget inside the workload’s, so one looping run leaves room for another', async () => {
    const submitIn = async (run: Envelope<RunAttestedV1>) => {
      const requestId = randomUUID();
      const action = { ...productionCall, parameters: { method: 'POST', path: `/loop/${requestId}` } };
      await agent.publish(agent.sign({ requestId, action, reason: 'a looping run', run }));
      return requestId;
    };
    const loopingRun = runEnvelope({ run: { taskScope: 'deploy-production' } });
    const looping: string[] = [];
    // The default run budget holds 3 pending approvals; the fourth of one run is refused.
    for (let index = 0; index < 4; index += 1) looping.push(await submitIn(loopingRun));
    const otherRun = await submitIn(runEnvelope({ run: { taskScope: 'deploy-production' } }));
    const firstHeard = (requestId: string) => agent.notificationsFor(requestId)[0]?.data;
    await eventually(() => {
      for (const requestId of [...looping, otherRun]) if (!firstHeard(requestId)) throw new Error(`${requestId} not answered yet`);
    }, 60_000);
    expect(looping.map((requestId) => firstHeard(requestId)?.outcome)).toEqual(['accepted', 'accepted', 'accepted', 'rejected']);
    expect(firstHeard(looping[3]!)?.errors?.map((error) => error.code)).toEqual(['rate_limited']);
    expect(firstHeard(otherRun)?.outcome).toBe('accepted');
  });
});
