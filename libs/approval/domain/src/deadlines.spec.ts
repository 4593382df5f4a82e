import { EventTypes } from '@countersign/contracts';
import { deadlineAfter } from './deadlines';

const requestId = '3c9a1f2e-8b7d-4e6c-9a5b-4c3d2e1f0a91';
const event = (type: string, data: object) => ({ type, data: { requestId, ...data } });

describe('deadlineAfter', () => {
  it.each([
    [
      'a quorum approval opens: its escalation first',
      event('approval.opened', { mode: 'quorum', expiresAt: 'E', escalation: { escalatesAt: 'X' } }),
      'X',
    ],
    ['a quorum approval without escalation: its expiry', event('approval.opened', { mode: 'quorum', expiresAt: 'E' }), 'E'],
    ['an auto approval: nothing', event('approval.opened', { mode: 'auto', expiresAt: 'E' }), undefined],
    ['escalated: the expiry', event(EventTypes.ApprovalEscalated, { expiresAt: 'E' }), 'E'],
    ['approved, denied, expired: cleared', event(EventTypes.RequestApproved, {}), null],
    ['expired: cleared', event(EventTypes.RequestExpired, {}), null],
    ['a review is required: its escalation first', event(EventTypes.ReviewRequired, { dueAt: 'D', escalatesAt: 'R' }), 'R'],
    ['a review without escalation: its deadline', event(EventTypes.ReviewRequired, { dueAt: 'D' }), 'D'],
    ['a review escalated: its deadline', event(EventTypes.ReviewEscalated, { dueAt: 'D' }), 'D'],
    ['a review overdue: nothing more falls due', event(EventTypes.ReviewOverdue, {}), null],
    ['a review completed: cleared', event(EventTypes.ReviewCompleted, {}), null],
    ['a vote: no change', event(EventTypes.VoteRecorded, {}), undefined],
  ])('%s', (_why, domainEvent, dueAt) => {
    expect(deadlineAfter(domainEvent)).toBe(dueAt);
  });
});
