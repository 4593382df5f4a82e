import { LocalEventTypes } from '@countersign/approval-domain';
import { expectScheduleTypesComplete } from '@countersign/service-runtime/testing';
import { EventTypes } from '@countersign/contracts';
import { deadlineSchedule, deadlines } from './deadline.timer';

const requestId = '3c9a1f2e-8b7d-4e6c-9a5b-4c3d2e1f0a91';

describe('deadlineSchedule', () => {
  it("keys the domain's deadline by request id", () => {
    const escalated = { id: 'e', type: EventTypes.ApprovalEscalated, data: { requestId, expiresAt: 'E' } };
    expect(deadlineSchedule(escalated)).toStrictEqual({ key: requestId, dueAt: 'E' });
    const approved = { id: 'a', type: EventTypes.RequestApproved, data: { requestId } };
    expect(deadlineSchedule(approved)).toStrictEqual({ key: requestId, dueAt: null });
  });

  it('leaves the schedule alone for an event that changes nothing or names no request', () => {
    expect(deadlineSchedule({ id: 'v', type: EventTypes.VoteRecorded, data: { requestId } })).toBeUndefined();
    expect(deadlineSchedule({ id: 'x', type: EventTypes.RequestApproved, data: {} })).toBeUndefined();
  });

  it('lists every type it reads, so the store may skip the others', () => {
    expectScheduleTypesComplete(deadlines, Object.values(LocalEventTypes));
  });
});
