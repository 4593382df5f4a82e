import { EventTypes, type Envelope } from '@countersign/contracts';
import { fullChain, REQUEST_ID } from '@countersign/audit-domain/testing';
import type { DomainEvent, ServiceRuntime } from '@countersign/service-runtime';
import { expectScheduleTypesComplete } from '@countersign/service-runtime/testing';
import { CustodyChecks } from './custody.checks';

/** What the index reads: the log's record of an observed event, recorded at its signed time unless given. */
const recordOf = (envelope: Envelope, recordedAt = envelope.time) =>
  ({ type: EventTypes.AuditRecord, data: { event: envelope, recordedAt } }) as unknown as DomainEvent;

describe("audit's custody index", () => {
  const { schedule } = new CustodyChecks({} as ServiceRuntime);

  it('lists every type it reads, so the store may skip the others', () => {
    expectScheduleTypesComplete(schedule);
  });

  it('runs no check until it has caught up with the log: a check decides on the evidence it holds', () => {
    expect(schedule.waitsForCatchUp).toBe(true);
  });

  it('makes a check that is already due due again whenever more of its evidence comes, until the custody is decided', () => {
    const fresh = new CustodyChecks({} as ServiceRuntime).schedule;
    const { vote, ...others } = fullChain();
    const changes = Object.values(others).map((envelope) => fresh.change(recordOf(envelope)));
    // The execution's result makes the check due: with the vote not recorded yet, it finds the evidence incomplete.
    expect(changes.at(-1)).toEqual({ key: REQUEST_ID, dueAt: others.succeeded.time });
    // The vote, recorded later (another consumer), must not wait for the timer's next try; due now
    // even when its signer's clock is ahead of audit's.
    const late = { ...vote, time: '2099-01-01T00:00:00.000Z' };
    expect(fresh.change(recordOf(late))).toEqual({ key: REQUEST_ID, dueAt: new Date(0).toISOString() });
    const decided = { type: EventTypes.CustodyVerified, data: { requestId: REQUEST_ID } } as unknown as DomainEvent;
    expect(fresh.change(decided)).toEqual({ key: REQUEST_ID, dueAt: null });
    expect(fresh.change(recordOf(vote))).toBeUndefined();
  });

  it('gives late evidence its grace from when audit recorded the result, when that is later than its signed time (an outage)', () => {
    const checks = new CustodyChecks({} as ServiceRuntime);
    const { vote: _vote, ...chain } = fullChain();
    const recordedAt = new Date(Date.parse(chain.succeeded.time) + 10 * 60_000).toISOString();
    for (const envelope of Object.values(chain)) checks.schedule.change(recordOf(envelope, recordedAt));
    const { checkBy } = checks.schedule.snapshots!.capture() as { checkBy: [string, number][] };
    expect(checkBy).toEqual([[REQUEST_ID, Date.parse(recordedAt) + 30_000]]);
  });
});
