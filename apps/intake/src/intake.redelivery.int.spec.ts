import { EventTypes } from '@countersign/contracts';
import { acceptAuthenticSubmissions } from '@countersign/service-runtime';
import { checkRedelivery, recordHonestFlows, redeliveryRuns, type RecordedFlows } from '@countersign/stack/redelivery';
import { IntakeModule } from './intake.module';

jest.setTimeout(300_000);

describe('intake under redelivery: each message 1-5 times, in any order the bus allows', () => {
  let flows: RecordedFlows;

  beforeAll(async () => {
    flows = await recordHonestFlows();
  });

  afterAll(() => flows?.remove());

  // As in main.ts: an authentic submission is answered even when its payload is invalid.
  const intake = { service: { service: 'intake' as const, module: IntakeModule.register, verify: acceptAuthenticSubmissions } };

  it.each(['auto', 'twoApprovers'] as const)('ends in the state of one in-order delivery (%s flow)', async (flow) => {
    const { once, deliveries } = await checkRedelivery(flows, intake, flows.requestIds[flow], redeliveryRuns());
    expect(once.report).toMatchObject({ naks: 0, terminated: [] });
    expect(deliveries).toBeGreaterThan(once.report.deliveries);
    // The requester hears each outcome once: accepted, approved, executed.
    const outcomes = once.raw
      .filter((event) => event.type === EventTypes.RequesterNotified)
      .map((event) => (event.data as { data: { outcome: string } }).data.outcome);
    expect(outcomes.sort()).toEqual(['accepted', 'approved', 'executed']);
  });
});
