import { METRICS_INDEX } from '@countersign/service-runtime';
import { expectScheduleTypesComplete } from '@countersign/service-runtime/testing';
import { BROKER_LOCAL_TYPES } from './testing/local-types';
import { EventTypes } from '@countersign/contracts';
import { parkedDeadline, windowOpening } from './audit-gate.timer';
import { revocations } from './revocation.timer';
import { EARLY_APPROVAL, PARKED_APPROVAL } from './broker.service';

const REQUEST_ID = '0f4c2b7e-6a1d-4c8e-9b3f-2d5e7a9c1b40';
const window = { notBefore: '2026-11-21T11:00:00.000Z', notAfter: '2026-11-21T11:15:00.000Z' };
const approval = { id: 'approval-1', type: EventTypes.RequestApproved, data: { requestId: REQUEST_ID, window } };

describe('the broker’s schedules for parked approvals', () => {
  it('decides an approval parked before its window again when the window opens', () => {
    expect(windowOpening.change({ type: EARLY_APPROVAL, data: approval })).toStrictEqual({ key: REQUEST_ID, dueAt: window.notBefore });
  });

  it('clears the opening once the credential is issued or refused', () => {
    for (const type of [EventTypes.CredentialIssued, EventTypes.CredentialRefused]) {
      expect(windowOpening.change({ type, data: { requestId: REQUEST_ID } })).toStrictEqual({ key: REQUEST_ID, dueAt: null });
    }
  });

  it('leaves an approval parked for audit’s receipt to the window-end deadline, and the early one to the opening', () => {
    // Parked for the receipt only once the window opened: the receipt wakes it, not a timer every tick.
    expect(windowOpening.change({ type: PARKED_APPROVAL, data: approval })).toStrictEqual({ key: REQUEST_ID, dueAt: null });
    expect(parkedDeadline.change({ type: PARKED_APPROVAL, data: approval })).toStrictEqual({ key: REQUEST_ID, dueAt: window.notAfter });
    expect(parkedDeadline.change({ type: EARLY_APPROVAL, data: approval })).toBeUndefined();
  });

  it('list every type they read, so the store may skip the others', () => {
    for (const schedule of [parkedDeadline, windowOpening]) expectScheduleTypesComplete(schedule, BROKER_LOCAL_TYPES);
  });

  it('write their indexes down under names of their own: with the metrics’ index, four share one store and one key', () => {
    const names = [...[parkedDeadline, windowOpening, revocations].map((schedule) => schedule.snapshots?.name), METRICS_INDEX];
    expect(new Set(names).size).toBe(4);
    for (const name of names) expect(name).toMatch(/^\$/);
  });
});
