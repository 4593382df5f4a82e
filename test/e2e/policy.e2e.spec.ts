import {
  EventTypes,
  type ActionRequest,
  type Envelope,
  type RequestApprovedV1,
  type ReviewCompletedV1,
  type ReviewRequiredV1,
  type VoteRejectedV1,
} from '@countersign/contracts';
import { effectsAt, eventually } from './clients';
import { approvalRequested, outcomeOf, startScenario, type Scenario } from './scenario';

jest.setTimeout(90_000);

/**
 * Policy as code on the real stack: the default policy's tiers and Cedar file, plus two `qa` tiers
 * with short fuses: one that escalates from SRE to finance after 3 seconds, and a break-glass tier
 * (one SRE, then a review by security).
 */
const QA_TIERS = [
  {
    name: 'qa-escalation',
    match: { environments: ['qa'], dataSensitivity: ['confidential'] },
    mode: 'quorum',
    quorum: 2,
    groups: ['sre'],
    pendingTtlSeconds: 30,
    escalation: { afterSeconds: 3, groups: ['finance'] },
  },
  {
    name: 'qa-break-glass',
    match: { kinds: ['http.request'], environments: ['qa'] },
    mode: 'quorum',
    quorum: 1,
    groups: ['sre'],
    breakGlass: true,
    review: { groups: ['security'], deadlineSeconds: 60 },
  },
];

const deploy = (extra: Partial<ActionRequest>): ActionRequest => ({
  kind: 'http.request',
  target: 'demo-qa',
  environment: 'qa',
  parameters: { method: 'POST', path: '/deploy', body: { version: '2.0.0' } },
  ...extra,
});

describe('approval policy on the real stack', () => {
  let s: Scenario;

  beforeAll(async () => {
    s = await startScenario({ extraTiers: QA_TIERS });
  });

  afterAll(async () => {
    await s?.close();
  });

  const find = <T>(requestId: string, type: string) =>
    eventually(() => {
      const found = s.audit.eventsFor(requestId).filter((event) => event.type === type) as Array<Envelope<T>>;
      if (found.length === 0) throw new Error(`no ${type} for ${requestId} yet`);
      return found;
    });

  it('escalates to a second group when nobody decides in time, tells the requester, and the new group can decide', async () => {
    const { requestId } = await s.deployBot.submit(deploy({ dataSensitivity: 'confidential' }), 'config change');
    const { digest, eligibleGroups } = await approvalRequested(s.audit, requestId);
    expect(eligibleGroups).toEqual(['sre']);
    await s.approvers.carol.vote(requestId, digest, 'approve', 'finance, too early');
    const [early] = await find<VoteRejectedV1>(requestId, EventTypes.VoteRejected);
    expect(early!.data).toMatchObject({ voter: 'approver:carol', code: 'not_eligible' });
    await outcomeOf(s.deployBot, requestId, 'escalated');
    await s.approvers.carol.vote(requestId, digest, 'approve', 'finance, after the escalation');
    await s.approvers.dave.vote(requestId, digest, 'approve', 'sre');
    expect(await outcomeOf(s.deployBot, requestId, 'executed')).toEqual(['accepted', 'escalated', 'approved', 'executed']);
    const [approved] = await find<RequestApprovedV1>(requestId, EventTypes.RequestApproved);
    expect(approved!.data.approvers.map((approver) => approver.id)).toEqual(['approver:carol', 'approver:dave']);
    expect(approved!.data.policy.rules).toEqual(
      expect.arrayContaining([
        'tier:qa-escalation',
        'cedar:Request:allow:registered-requesters-may-ask',
        'cedar:Approve:allow:group-members-may-approve',
      ]),
    );
  });

  it('runs a break-glass request on one approval, then requires a review that only an uninvolved reviewer closes', async () => {
    const { requestId } = await s.deployBot.submit(deploy({ breakGlass: true }), 'outage: roll back now');
    const { digest, quorum } = await approvalRequested(s.audit, requestId);
    expect(quorum).toBe(1);
    await s.approvers.dave.vote(requestId, digest, 'approve', 'incident INC-7');
    expect(await outcomeOf(s.deployBot, requestId, 'executed')).toEqual(['accepted', 'approved', 'executed']);
    expect(await effectsAt(s.stack, requestId)).toHaveLength(1);
    const [required] = await find<ReviewRequiredV1>(requestId, EventTypes.ReviewRequired);
    expect(required!.data).toMatchObject({ approvers: ['approver:dave'], reviewGroups: ['security'] });
    expect(required!.data.policy.rules).toContain('breakglass');

    await s.approvers.dave.vote(requestId, digest, 'approve', 'reviewing my own call', true);
    await eventually(() =>
      expect(
        s.audit
          .eventsFor(requestId)
          .filter((event) => event.type === EventTypes.VoteRejected)
          .map((event) => (event.data as VoteRejectedV1).code),
      ).toEqual(['self_approval']),
    );
    await s.approvers.carol.vote(requestId, digest, 'approve', 'the rollback was warranted', true);
    const [completed] = await find<ReviewCompletedV1>(requestId, EventTypes.ReviewCompleted);
    expect(completed!.data).toMatchObject({ reviewer: 'approver:carol', verdict: 'upheld', late: false });
  });
});
