import { checkRedelivery, recordHonestFlows, redeliveryRuns, type RecordedFlows } from '@countersign/stack/redelivery';
import { ApprovalModule } from './approval.module';

jest.setTimeout(300_000);

describe('approval under redelivery: each message 1-5 times, in any order the bus allows', () => {
  let flows: RecordedFlows;

  beforeAll(async () => {
    flows = await recordHonestFlows();
  });

  afterAll(() => flows?.remove());

  const approval = { service: { service: 'approval' as const, module: ApprovalModule.register } };

  it.each(['auto', 'twoApprovers'] as const)('ends in the state of one in-order delivery (%s flow)', async (flow) => {
    const { once } = await checkRedelivery(flows, approval, flows.requestIds[flow], redeliveryRuns());
    expect(once.report).toMatchObject({ naks: 0, terminated: [] });
    expect(once.raw.some((event) => event.type === 'countersign.request.approved.v1')).toBe(true);
  });
});
