import { EventTypes } from '@countersign/contracts';
import { acceptAuthenticSubmissions } from '@countersign/service-runtime';
import { describeRedelivery } from '@countersign/stack/redelivery';
import { IntakeModule } from './intake.module';
import { outcomeHandlers } from './outcomes.handlers';

// As in main.ts: an authentic submission is answered even when its payload is invalid.
const intake = {
  service: { service: 'intake' as const, module: IntakeModule.register, verify: acceptAuthenticSubmissions, handlers: outcomeHandlers },
};

describeRedelivery(intake, 'tells the requester each outcome once, as one in-order delivery does', (once) => {
  const outcomes = once.raw
    .filter((event) => event.type === EventTypes.RequesterNotified)
    .map((event) => (event.data as { data: { outcome: string } }).data.outcome);
  expect(outcomes.sort()).toEqual(['accepted', 'approved', 'executed']);
});
