import { EventTypes } from '@countersign/contracts';
import { OUTCOME_EVENT_TYPES, outcomeNotice } from './outcomes';

const requestId = '0190a3f4-7b1c-7d2e-8f90-123456789abc';
const policy = { label: 'default', version: `sha256:${'b'.repeat(64)}`, tier: 'production-change', rules: ['quorum'] };

describe('outcomeNotice', () => {
  it.each([
    [EventTypes.RequestApproved, { requestId, policy }, 'approved', 'approved under default/production-change'],
    [
      EventTypes.ApprovalEscalated,
      { requestId, approvals: 1, quorum: 2, addedGroups: ['sre-leads', 'security'], expiresAt: '2026-12-06T09:00:00.000Z' },
      'escalated',
      'no decision yet (1/2 approvals): now also asking sre-leads, security; expires at 2026-12-06T09:00:00.000Z',
    ],
    [EventTypes.RequestDenied, { requestId, deniedBy: 'approver:bob', reason: 'not today' }, 'denied', 'denied by approver:bob: not today'],
    [EventTypes.RequestDenied, { requestId, deniedBy: 'approver:bob' }, 'denied', 'denied by approver:bob'],
    [
      EventTypes.RequestExpired,
      { requestId, approvals: 0, quorum: 2, expiredAt: '2026-12-06T09:00:00.000Z' },
      'expired',
      'no decision before 2026-12-06T09:00:00.000Z (0/2 approvals)',
    ],
    [EventTypes.ExecutionSucceeded, { requestId, result: { status: 200 } }, 'executed', 'target answered 200'],
    [EventTypes.ExecutionFailed, { requestId, error: { code: 'http_500', message: 'boom' } }, 'failed', 'http_500: boom'],
    [EventTypes.ExecutionInDoubt, { requestId, reason: 'claim without result' }, 'failed', 'in doubt, needs a human: claim without result'],
    [EventTypes.CredentialRefused, { requestId, code: 'window_closed' }, 'failed', 'broker refused a credential: window_closed'],
    [EventTypes.ExecutionRefused, { requestId, code: 'digest_mismatch' }, 'failed', 'executor refused: digest_mismatch'],
  ])('tells the requester about %s', (type, data, outcome, detail) => {
    expect(outcomeNotice({ type, data })).toEqual({ requestId, outcome, detail });
  });

  it('listens to exactly the types it has a notice for', () => {
    expect([...OUTCOME_EVENT_TYPES].sort()).toEqual(
      [
        EventTypes.RequestApproved,
        EventTypes.ApprovalEscalated,
        EventTypes.RequestDenied,
        EventTypes.RequestExpired,
        EventTypes.ExecutionSucceeded,
        EventTypes.ExecutionFailed,
        EventTypes.ExecutionInDoubt,
        EventTypes.CredentialRefused,
        EventTypes.ExecutionRefused,
      ].sort(),
    );
  });

  it('has nothing to say about any other event, an inherited key included', () => {
    expect(outcomeNotice({ type: EventTypes.CredentialIssued, data: { requestId } })).toBeUndefined();
    expect(outcomeNotice({ type: 'toString', data: { requestId } })).toBeUndefined();
  });
});
