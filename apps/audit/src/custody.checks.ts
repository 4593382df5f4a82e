import { Inject, Injectable } from '@nestjs/common';
import { EventTypes, type AuditRecordV1, type Envelope } from '@countersign/contracts';
import { checkCustody, custodyDecider, custodyStream, mayProveUnproven, requestIdOf, unprovenApproval } from '@countersign/audit-domain';
import {
  RUNTIME,
  ScheduledWork,
  type DomainEvent,
  type ScheduleChange,
  type IndexStateCodec,
  type ServiceRuntime,
} from '@countersign/service-runtime';
import { decodeCustodyIndex, emptyCustodyIndex, encodeCustodyIndex, RETIRED_MEMORY, type CustodyIndex } from './custody.index';

/** Submissions and votes arrive on other consumers than execution results; wait this long for them. */
const COMPLETION_GRACE_MS = 30_000;
/** Outcomes after which no custody check will come: the request's evidence goes after the grace. */
const ENDED_WITHOUT_EXECUTION: string[] = [
  EventTypes.RequestRejected,
  EventTypes.RequestDenied,
  EventTypes.RequestExpired,
  EventTypes.CredentialRefused,
  EventTypes.ExecutionRefused,
];
const FINISHED: string[] = [EventTypes.ExecutionSucceeded, EventTypes.ExecutionFailed, EventTypes.ExecutionInDoubt];
const DECIDED: string[] = [EventTypes.CustodyVerified, EventTypes.AuditViolation];
/** What the index is built from: the log's records (each carries an observed event) and custody decisions. */
export const CUSTODY_EVENT_TYPES: readonly string[] = [EventTypes.AuditRecord, ...DECIDED];

const at = (millis: number) => new Date(millis).toISOString();

/** The index written down as IndexSnapshots keeps it; a stored one that does not decode is not used. */
const custodySnapshots = (current: () => CustodyIndex, adopt: (index: CustodyIndex) => void): IndexStateCodec<CustodyIndex> => ({
  name: '$schedule-custody',
  version: 1,
  capture: () => encodeCustodyIndex(current()),
  decode: decodeCustodyIndex,
  adopt,
});

/**
 * Checks each finished request's chain of custody once its evidence is in, on service-runtime's
 * due-work schedule: the index is rebuilt from audit's own log on start (from its last snapshot,
 * below), so a restart forgets neither evidence nor pending checks.
 *
 * The index holds open requests only, so it does not grow with history: a request's evidence is
 * dropped once its custody is decided (custody.verified or audit.violation is stored), or a grace
 * period after it ended without an execution (rejected, denied, expired, refused) when no check is
 * due. The last RETIRED_MEMORY retired request ids are remembered so their late events (the
 * credential's revocation, the executed notification) are not indexed again.
 *
 * Replaying it reads nearly every record of the log, so the index is written down every
 * INDEX_SAVE_EVERY events (about 770 auto-approved requests; at most once a minute) and at each
 * stop (signed; see IndexSnapshots), and a start goes on from there: the index as the running
 * service had it at that point. Its size is bounded by what it holds: about 2 MB with
 * RETIRED_MEMORY ids, plus the envelopes of the requests open then.
 */
@Injectable()
export class CustodyChecks extends ScheduledWork {
  private index: CustodyIndex = emptyCustodyIndex();

  constructor(@Inject(RUNTIME) private readonly runtime: ServiceRuntime) {
    super(
      runtime,
      {
        types: CUSTODY_EVENT_TYPES,
        change: (event) => this.scheduleChange(event),
        snapshots: custodySnapshots(
          () => this.index,
          (index) => (this.index = index),
        ),
        // A check decides on the evidence in the index: until it has caught up, some may be missing.
        waitsForCatchUp: true,
      },
      (requestId) => this.fire(requestId),
    );
  }

  private scheduleChange(event: DomainEvent): ScheduleChange {
    if (DECIDED.includes(event.type)) {
      const { requestId } = event.data as { requestId: string };
      this.retire(requestId);
      return { key: requestId, dueAt: null };
    }
    // The log also holds audit's receipts; only records carry an event to observe.
    return event.type === EventTypes.AuditRecord ? this.observe(event.data as AuditRecordV1) : undefined;
  }

  private observe(record: AuditRecordV1): ScheduleChange {
    const envelope = record.event as unknown as Envelope;
    const requestId = requestIdOf(envelope);
    if (!requestId || this.index.retired.has(requestId)) return undefined;
    const events = this.index.evidence.get(requestId) ?? new Map<string, Envelope>();
    events.set(envelope.id, envelope);
    this.index.evidence.set(requestId, events);
    // The grace for late evidence runs from when audit recorded the event, if that is later than
    // its signed time: after an outage audit's consumers drain their backlogs at their own pace,
    // and a result read before its votes must not be judged on a grace spent while audit was down.
    const graceFrom = Math.max(Date.parse(envelope.time), Date.parse(record.recordedAt));
    // An approval that cannot be sound (no signed votes behind it, or refused on re-check) is
    // flagged now: no execution will ever come to trigger the check.
    if (mayProveUnproven(envelope) && unprovenApproval([...events.values()]).length > 0) {
      this.index.checkBy.set(requestId, 0);
      return { key: requestId, dueAt: at(0) };
    }
    // A check already due may have found its evidence incomplete (a vote recorded after the
    // execution's result): whatever arrives for the request makes it due again now, not a tick
    // later. Now, not at the record's own time, which a signer's clock may put ahead of ours.
    if (this.index.checkBy.has(requestId)) return { key: requestId, dueAt: at(0) };
    if (FINISHED.includes(envelope.type)) {
      this.index.checkBy.set(requestId, graceFrom + COMPLETION_GRACE_MS);
      return { key: requestId, dueAt: envelope.time };
    }
    return ENDED_WITHOUT_EXECUTION.includes(envelope.type) ? { key: requestId, dueAt: at(graceFrom + COMPLETION_GRACE_MS) } : undefined;
  }

  /** Checks a finished request, or forgets one that ended without an execution once its grace is over. */
  private async fire(requestId: string): Promise<void | 'done'> {
    const deadline = this.index.checkBy.get(requestId);
    if (deadline === undefined) {
      this.retire(requestId);
      return 'done';
    }
    const now = this.runtime.clock();
    const events = [...(this.index.evidence.get(requestId)?.values() ?? [])];
    const result = checkCustody(events);
    if (!result.ok && result.incomplete && now.getTime() < deadline) return undefined;
    const done = await this.runtime.runner.run(
      custodyDecider,
      custodyStream(requestId),
      { type: 'CheckCustody', requestId, events, now: now.toISOString() },
      { id: `custody:${requestId}`, now },
    );
    this.retire(requestId);
    if (done[0]?.type === EventTypes.AuditViolation)
      this.runtime.logger.warn(`custody violation for ${requestId}: ${JSON.stringify(done[0].data)}`);
    return 'done';
  }

  private retire(requestId: string): void {
    this.index.checkBy.delete(requestId);
    this.index.evidence.delete(requestId);
    this.index.retired.add(requestId);
    if (this.index.retired.size > RETIRED_MEMORY) this.index.retired.delete(this.index.retired.values().next().value as string);
  }
}
