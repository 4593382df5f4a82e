import { randomUUID } from 'node:crypto';
import {
  EventTypes,
  Subjects,
  type Envelope,
  type RequestApprovedV1,
  type VoteRecordedV1,
  type VoteRejectedV1,
} from '@countersign/contracts';
import { defaultDescription, startStack, type Stack } from '@countersign/stack';
import { ApproverClient, AuditReader, RequesterClient, approvalRequested, outcomeOf } from '@countersign/e2e';
import { recordAttack, tallyOf, type Layer } from './report';
import { attemptPublish, type Verdict } from './support/bus-probe';
import { attackEffects, AuditEvidence, inject, type Injected } from './support/evidence';
import { bytesOf, signWith } from './support/forgery';
import { Connections, signerOf, signingKeyOf, stackLog } from './support/parties';
import { policyFileWith } from './support/policy';

jest.setTimeout(240_000);

const SUITE = 'self-approval';
const production = (body: unknown) => ({
  kind: 'http.request',
  target: 'demo-target',
  environment: 'production',
  parameters: { method: 'POST', path: '/deploy', body },
});

const ALIASES = ['dave-bot', 'deploy-bot', 'pa-shadow'];

/**
 * Approver identities of people who must never approve: a second identity of the agent's owner,
 * and approver identities standing for the requesters themselves. The policy makes them all
 * eligible, so only the separation rule can stop them (not mere ineligibility).
 */
function aliasDescription() {
  const description = defaultDescription();
  description.approvers.push(
    { name: 'dave-bot', person: 'dave' },
    { name: 'deploy-bot', person: 'deploy-bot' },
    { name: 'pa-shadow', person: 'payments-agent' },
  );
  return description;
}

interface Attempt {
  channel: string;
  layer: Layer;
  voteId: string;
  requestId: string;
  injected?: Injected;
  bus?: Verdict;
}

interface Target {
  requestId: string;
  digest: string;
  renderingDigest: string;
  requester: 'deploy-bot' | 'payments-agent';
}

describe('1,000+ self-approval attempts through every channel: none counts, each is audited', () => {
  let stack: Stack;
  let audit: AuditReader;
  let evidence: AuditEvidence;
  let connections: Connections;
  const clients: Array<{ close(): Promise<void> }> = [];
  const attempts: Attempt[] = [];
  let control: Target;
  let targets: Target[] = [];

  beforeAll(async () => {
    const policyFile = policyFileWith((policy) => {
      for (const group of Object.keys(policy.approvers)) policy.approvers[group]!.push(...ALIASES.map((name) => `approver:${name}`));
    });
    stack = await startStack({ description: aliasDescription(), policyFile, env: { COUNTERSIGN_TIMER_MS: '200' }, log: stackLog });
    audit = await AuditReader.connect(stack);
    evidence = new AuditEvidence(audit);
    connections = new Connections(stack);
    const requesters = {
      'deploy-bot': await RequesterClient.connect(stack, 'deploy-bot'),
      'payments-agent': await RequesterClient.connect(stack, 'payments-agent'),
    };
    const approver = async (name: string) => {
      const client = await ApproverClient.connect(stack, name, audit);
      clients.push(client);
      return client;
    };
    clients.push(...Object.values(requesters));
    const open = async (requester: Target['requester'], index: number): Promise<Target> => {
      const { requestId } = await requesters[requester].submit(production({ change: index }), 'needs two people');
      const { digest, renderingDigest } = await approvalRequested(audit, requestId);
      return { requestId, digest, renderingDigest, requester };
    };
    targets = await Promise.all([0, 1, 2].map((i) => open('payments-agent', i)).concat([3, 4].map((i) => open('deploy-bot', i))));
    const [payments, deploys] = [
      targets.filter((t) => t.requester === 'payments-agent'),
      targets.filter((t) => t.requester === 'deploy-bot'),
    ];

    const byApprover = async (channel: string, name: string, on: Target[], count: number) => {
      const client = await approver(name);
      await inBatches(count, async (i) => {
        const target = on[i % on.length]!;
        const voteId = await client.vote(target.requestId, target.digest, i % 3 === 2 ? 'deny' : 'approve', `self ${i}`);
        attempts.push({ channel, layer: 'domain', voteId, requestId: target.requestId });
      });
    };
    await byApprover('domain: the agent’s owner votes on its request', 'dave', payments, 240);
    await byApprover('domain: an alias identity of the agent’s owner votes', 'dave-bot', payments, 200);
    await byApprover('domain: an approver identity of the requester itself votes', 'pa-shadow', payments, 160);
    await byApprover('domain: an approver identity of the requester itself votes', 'deploy-bot', deploys, 160);

    const requesterSigner = signerOf(stack, 'requester:deploy-bot');
    const alice = await connections.as('approver-alice');
    const forged = async (channel: string, count: number, forge: (vote: Envelope) => Envelope) => {
      await inBatches(count, async (i) => {
        const target = deploys[i % deploys.length]!;
        const { requestId, digest, renderingDigest } = target;
        const data = { requestId, digest, renderingDigest, decision: 'approve', reason: 'self' };
        const vote = requesterSigner.sign({
          id: randomUUID(),
          type: EventTypes.VoteCast,
          subject: target.requestId,
          time: new Date().toISOString(),
          data,
        });
        const envelope = forge(vote);
        attempts.push({
          channel,
          layer: 'signature',
          voteId: envelope.id,
          requestId: target.requestId,
          injected: await inject(alice, Subjects.vote('alice'), bytesOf(envelope), channel),
        });
      });
    };
    await forged('signature: requester-signed vote sent through an approver’s connection', 100, (vote) => vote);
    const requesterKey = signingKeyOf(stack, 'requester:deploy-bot');
    await forged('signature: requester-signed vote claiming to be approver:alice', 60, (vote) =>
      signWith(vote, requesterKey, { signer: 'approver:alice', source: 'countersign/approver:alice' }),
    );

    const requesterBus = await connections.as('requester-deploy-bot');
    await inBatches(100, async (i) => {
      const target = deploys[i % deploys.length]!;
      const vote = requesterSigner.sign({
        id: randomUUID(),
        type: EventTypes.VoteCast,
        subject: target.requestId,
        time: new Date().toISOString(),
        data: { requestId: target.requestId, digest: target.digest, renderingDigest: target.renderingDigest, decision: 'approve' },
      });
      const subject = Subjects.vote(i % 2 === 0 ? 'alice' : 'deploy-bot');
      attempts.push({
        channel: 'bus: the requester’s own NATS user publishes a vote',
        layer: 'bus',
        voteId: vote.id,
        requestId: target.requestId,
        bus: await attemptPublish(requesterBus, subject, bytesOf(vote)),
      });
    });

    await evidence.waitFor(allAudited, 120_000);
    control = payments[0]!;
    await (await approver('alice')).vote(control.requestId, control.digest, 'approve', 'control: a genuine first vote');
    await (await approver('bob')).vote(control.requestId, control.digest, 'approve', 'control: a genuine second vote');
    await outcomeOf(requesters['payments-agent'], control.requestId, 'executed', 60_000);
    await evidence.settle();
    await recordTallies();
  });

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await connections?.closeAll();
    await audit?.close();
    await stack?.shutdown();
  });

  const rejections = () =>
    new Map(evidence.events({ type: EventTypes.VoteRejected }).map((e) => [(e.data as VoteRejectedV1).voteId, e.data as VoteRejectedV1]));
  const recorded = () => new Set(evidence.events({ type: EventTypes.VoteRecorded }).map((e) => (e.data as VoteRecordedV1).voteId));
  function audited(attempt: Attempt, codes = rejections()): boolean {
    if (attempt.layer === 'bus') return false;
    if (attempt.injected) return evidence.refusedByAll(attempt.injected);
    return codes.get(attempt.voteId)?.code === 'self_approval';
  }
  const allAudited = () => {
    const codes = rejections();
    return attempts.every((attempt) => attempt.layer === 'bus' || audited(attempt, codes));
  };
  const rejected = (attempt: Attempt, counted: Set<string>) =>
    attempt.layer === 'bus' ? attempt.bus === 'denied' : !counted.has(attempt.voteId);

  async function recordTallies(): Promise<void> {
    const counted = recorded();
    const codes = rejections();
    const effects = await attackEffects(stack, new Set([control.requestId]));
    const channels = [...new Set(attempts.map((attempt) => attempt.channel))];
    for (const [index, channel] of channels.entries()) {
      const list = attempts.filter((attempt) => attempt.channel === channel);
      const tally = tallyOf({ suite: SUITE, attack: `self-approval: ${channel}`, layer: list[0]!.layer }, list, {
        rejected: (attempt) => rejected(attempt, counted),
        auditable: (attempt) => attempt.layer !== 'bus',
        audited: (attempt) => audited(attempt, codes),
      });
      recordAttack({ ...tally, executions: index === 0 ? effects : 0 });
    }
  }

  it('tries at least 1,000 times through every channel', () => {
    expect(attempts.length).toBeGreaterThanOrEqual(1_000);
    expect(new Set(attempts.map((attempt) => attempt.layer))).toEqual(new Set(['bus', 'signature', 'domain']));
  });

  it('counts none of them: no self vote is recorded and no target request is approved or executed', async () => {
    const counted = recorded();
    expect(attempts.filter((attempt) => !rejected(attempt, counted)).map((attempt) => `${attempt.channel}: ${attempt.voteId}`)).toEqual([]);
    const approved = evidence.events({ type: EventTypes.RequestApproved }).map((e) => e.data as RequestApprovedV1);
    expect(approved.map((approval) => approval.requestId)).toEqual([control.requestId]);
    expect(await attackEffects(stack, new Set([control.requestId]))).toBe(0);
  });

  it('lets the control request be approved only by the two genuine approvers', () => {
    const [approval] = evidence.events({ type: EventTypes.RequestApproved, requestId: control.requestId });
    expect((approval!.data as RequestApprovedV1).approvers.map((approver) => approver.id).sort()).toEqual([
      'approver:alice',
      'approver:bob',
    ]);
  });

  it('audits every attempt that reached a service: a self_approval rejection or a dead letter from every consumer', () => {
    const codes = rejections();
    const unaudited = attempts.filter((attempt) => attempt.layer !== 'bus' && !audited(attempt, codes));
    expect(
      unaudited.map((attempt) => `${attempt.channel}: ${attempt.voteId} (${codes.get(attempt.voteId)?.code ?? 'no rejection'})`),
    ).toEqual([]);
  });
});

async function inBatches(count: number, run: (index: number) => Promise<void>, width = 25): Promise<void> {
  for (let start = 0; start < count; start += width) {
    await Promise.all(Array.from({ length: Math.min(width, count - start) }, (_, offset) => run(start + offset)));
  }
}
