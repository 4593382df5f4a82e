import { EventTypes } from '@countersign/contracts';
import { describeRedelivery } from '@countersign/stack/redelivery';
import { ApprovalModule } from './approval.module';

describeRedelivery(
  { service: { service: 'approval', module: ApprovalModule.register } },
  'approves once, as one in-order delivery does',
  (once) => {
    expect(once.raw.filter((event) => event.type === EventTypes.RequestApproved)).toHaveLength(1);
  },
);
