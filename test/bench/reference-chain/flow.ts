import { Consumers, EventTypes, Subjects, type ServiceName } from '@countersign/contracts';

/**
 * The auto-approved flow, as the reference chain replays it: which event each hop waits for and
 * what it emits. The events, their subjects and each service's durable consumers (filters included)
 * are the pipeline's own (counted from a run of `npm run bench`: `events per request` in its
 * output lists them by subject), so both do the same number of hops, publishes and deliveries.
 */
export interface Rule {
  /** Every one of these types must have arrived for the request before the rule fires (once). */
  on: string[];
  /** Stages appended (one transaction each, in order) and published; the executor claims before it acts. */
  emit: string[][];
}

export interface HopSpec {
  service: ServiceName;
  rules: Rule[];
}

const T = EventTypes;

export const HOPS: HopSpec[] = [
  {
    service: 'intake',
    rules: [
      { on: [T.RequestSubmitted], emit: [[T.RequestAccepted, T.RequesterNotified]] },
      { on: [T.RequestApproved], emit: [[T.RequesterNotified]] },
      { on: [T.ExecutionSucceeded], emit: [[T.RequesterNotified]] },
    ],
  },
  { service: 'approval', rules: [{ on: [T.RequestAccepted], emit: [[T.RequestApproved]] }] },
  {
    service: 'broker',
    rules: [
      { on: [T.RequestAccepted, T.RequestApproved, T.AuditReceipt], emit: [[T.CredentialIssued]] },
      { on: [T.ExecutionSucceeded], emit: [[T.CredentialRevoked]] },
    ],
  },
  {
    service: 'executor',
    rules: [
      {
        on: [T.RequestAccepted, T.RequestApproved, T.AuditReceipt, T.CredentialIssued],
        emit: [[T.ExecutionStarted], [T.ExecutionSucceeded]],
      },
    ],
  },
];

/**
 * Audit records every event it is delivered except its own (one `audit.record` each, hash-chained),
 * signs its receipt in the same append as the approval's record, and checks custody when the
 * execution succeeded.
 */
export const AUDIT_EXTRA: Record<string, string[]> = {
  [T.RequestApproved]: [T.AuditReceipt],
  [T.ExecutionSucceeded]: [T.CustodyVerified],
};

/** The outcome each requester notification carries, in the order intake emits them. */
export const NOTIFY_OUTCOME: Record<string, string> = {
  [T.RequestSubmitted]: 'accepted',
  [T.RequestApproved]: 'approved',
  [T.ExecutionSucceeded]: 'executed',
};

export const consumersOf = (service: ServiceName) => Consumers[service];

/** The bus subject of a reference event: the pipeline's subject for the same type and signer. */
export function referenceSubject(service: ServiceName, type: string, requester: string): string {
  if (type === T.RequesterNotified) return Subjects.notify(requester);
  if (type === T.AuditRecord) return Subjects.auditRecords;
  return Subjects.serviceEvent(service, type);
}

export interface FlowWork {
  /** Events of one request, by type (audit records included): each needs one durable append and one publish. */
  events: Record<string, number>;
  eventCount: number;
  /** Deliveries to a consumer that acts on the event (decides with it or records it). */
  neededDeliveries: number;
}

/** Replays one request through HOPS and AUDIT_EXTRA, counting the essential work of the flow. */
export function flowWork(): FlowWork {
  const events: Record<string, number> = {};
  let neededDeliveries = 0;
  const have = new Map<string, Set<string>>(HOPS.map((hop) => [hop.service, new Set<string>()]));
  const fired = new Map<string, Set<number>>(HOPS.map((hop) => [hop.service, new Set<number>()]));
  const queue: Array<{ type: string; signer: string }> = [{ type: EventTypes.RequestSubmitted, signer: 'requester' }];
  const emitted = (type: string, signer: string) => {
    events[type] = (events[type] ?? 0) + 1;
    queue.push({ type, signer });
  };
  events[EventTypes.RequestSubmitted] = 1;
  for (let event = queue.shift(); event; event = queue.shift()) {
    const { type, signer } = event;
    if (type === EventTypes.AuditRecord) continue;
    if (signer !== 'audit') {
      neededDeliveries += 1;
      emitted(EventTypes.AuditRecord, 'audit');
      for (const extra of AUDIT_EXTRA[type] ?? []) emitted(extra, 'audit');
    }
    for (const hop of HOPS) {
      if (!hop.rules.some((rule) => rule.on.includes(type))) continue;
      neededDeliveries += 1;
      have.get(hop.service)!.add(type);
      hop.rules.forEach((rule, index) => {
        if (fired.get(hop.service)!.has(index) || !rule.on.every((needed) => have.get(hop.service)!.has(needed))) return;
        fired.get(hop.service)!.add(index);
        for (const stage of rule.emit) for (const out of stage) emitted(out, hop.service);
      });
    }
  }
  return { events, eventCount: Object.values(events).reduce((sum, count) => sum + count, 0), neededDeliveries };
}
