import { Inject, Injectable } from '@nestjs/common';
import { EventTypes, type Envelope, type RequestApprovedV1, type TimeWindow } from '@countersign/contracts';
import {
  dueKeysOnly,
  RUNTIME,
  ScheduledWork,
  type DomainEvent,
  type Schedule,
  type ScheduleChange,
  type ServiceRuntime,
} from '@countersign/service-runtime';
import { BrokerService, EARLY_APPROVAL, PARKED_APPROVAL } from './broker.service';

const PARKED: readonly string[] = [PARKED_APPROVAL, EARLY_APPROVAL];

/** A parked event holds the approval envelope; a credential event names the request itself. */
const requestIdOf = (event: DomainEvent): string =>
  PARKED.includes(event.type)
    ? (event.data as Envelope<RequestApprovedV1>).data.requestId
    : (event.data as { requestId: string }).requestId;

/** One kind of parked approval falls due at an instant of its window; any answer on the credential clears it. */
function parkedSchedule(
  name: string,
  parkedType: string,
  dueOf: (window: TimeWindow) => string,
  clearedBy: readonly string[] = [],
): Schedule {
  const clearing: readonly string[] = [EventTypes.CredentialIssued, EventTypes.CredentialRefused, ...clearedBy];
  const change = (event: DomainEvent): ScheduleChange => {
    if (event.type === parkedType) {
      const approval = event.data as Envelope<RequestApprovedV1>;
      return { key: approval.data.requestId, dueAt: dueOf(approval.data.window) };
    }
    if (clearing.includes(event.type)) return { key: requestIdOf(event), dueAt: null };
    return undefined;
  };
  return { types: [parkedType, ...clearing], change, snapshots: dueKeysOnly(name) };
}

/**
 * An approval parked while audit is down waits without a timeout of its own, but not past its
 * window: when the window closes the parked approval is decided again, and the broker's terms
 * refuse it (`window_closed`), which the requester hears.
 */
export const parkedDeadline = parkedSchedule('$schedule-parked-approvals', PARKED_APPROVAL, (window) => window.notAfter);

/**
 * An approval for a window that has not opened yet is parked, not retried into a dead letter; when
 * the window opens it is decided again like any parked approval (issued, parked for audit's
 * receipt, or refused). The schedule is indexed from the broker's own store: a restart keeps it.
 * Parked for audit's receipt (only ever after the window opened), it is the receipt's to wake.
 */
export const windowOpening = parkedSchedule('$schedule-window-openings', EARLY_APPROVAL, (window) => window.notBefore, [PARKED_APPROVAL]);

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
