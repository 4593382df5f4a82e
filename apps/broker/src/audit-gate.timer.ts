import { Inject, Injectable } from '@nestjs/common';
import { EventTypes, type Envelope, type RequestApprovedV1, type TimeWindow } from '@countersign/contracts';
import { RUNTIME, ScheduledWork, type DomainEvent, type ScheduleChange, type ServiceRuntime } from '@countersign/service-runtime';
import { BrokerService, EARLY_APPROVAL, PARKED_APPROVAL } from './broker.service';

/** One kind of parked approval falls due at an instant of its window; any answer on the credential clears it. */
function parkedSchedule(parkedType: string, dueOf: (window: TimeWindow) => string) {
  return (event: DomainEvent): ScheduleChange => {
    if (event.type === parkedType) {
      const approval = event.data as Envelope<RequestApprovedV1>;
      return { key: approval.data.requestId, dueAt: dueOf(approval.data.window) };
    }
    if (event.type === EventTypes.CredentialIssued || event.type === EventTypes.CredentialRefused)
      return { key: (event.data as { requestId: string }).requestId, dueAt: null };
    return undefined;
  };
}

/**
 * An approval parked while audit is down waits without a timeout of its own, but not past its
 * window: when the window closes the parked approval is decided again, and the broker's terms
 * refuse it (`window_closed`), which the requester hears.
 */
export const parkedDeadline = parkedSchedule(PARKED_APPROVAL, (window) => window.notAfter);

/**
 * An approval for a window that has not opened yet is parked, not retried into a dead letter; when
 * the window opens it is decided again like any parked approval (issued, parked for audit's
 * receipt, or refused). The schedule is indexed from the broker's own store: a restart keeps it.
 */
export const windowOpening = parkedSchedule(EARLY_APPROVAL, (window) => window.notBefore);

@Injectable()
export class ParkedApprovalDeadlines extends ScheduledWork {
  constructor(@Inject(RUNTIME) runtime: ServiceRuntime, broker: BrokerService) {
    super(runtime, parkedDeadline, (requestId) => broker.closeParked(requestId));
  }
}

@Injectable()
export class WindowOpenings extends ScheduledWork {
  constructor(@Inject(RUNTIME) runtime: ServiceRuntime, broker: BrokerService) {
    super(runtime, windowOpening, (requestId) => broker.retryParked(requestId));
  }
}
