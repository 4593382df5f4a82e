import { Inject, Injectable } from '@nestjs/common';
import { EventTypes, type Envelope, type RequestApprovedV1 } from '@countersign/contracts';
import { RUNTIME, ScheduledWork, type DomainEvent, type ScheduleChange, type ServiceRuntime } from '@countersign/service-runtime';
import { BrokerService, PARKED_APPROVAL } from './broker.service';

/**
 * An approval parked while audit is down waits without a timeout of its own, but not past its
 * window: when the window closes the parked approval is decided again, and the broker's terms
 * refuse it (`window_closed`), which the requester hears. Any answer clears the deadline.
 */
export function parkedDeadline(event: DomainEvent): ScheduleChange {
  if (event.type === PARKED_APPROVAL) {
    const approval = event.data as Envelope<RequestApprovedV1>;
    return { key: approval.data.requestId, dueAt: approval.data.window.notAfter };
  }
  if (event.type === EventTypes.CredentialIssued || event.type === EventTypes.CredentialRefused)
    return { key: (event.data as { requestId: string }).requestId, dueAt: null };
  return undefined;
}

@Injectable()
export class ParkedApprovalDeadlines extends ScheduledWork {
  constructor(@Inject(RUNTIME) runtime: ServiceRuntime, broker: BrokerService) {
    super(runtime, parkedDeadline, (requestId) => broker.closeParked(requestId));
  }
}
