import { finalOutcome, heartbeatStep, pendingOutcome, progressSteps, type Notice } from './outcomes';

const ID = '11111111-1111-4111-8111-111111111111';
const at = '2026-12-06T10:00:00.000Z';
const notice = (outcome: Notice['outcome'], fields: Partial<Notice> = {}): Notice => ({ outcome, notifiedAt: at, ...fields });

describe('what the agent is told', () => {
  it('reports accepted, waiting, approved and executing as growing progress', () => {
    const steps = [
      notice('accepted'),
      notice('escalated', { detail: 'now also asking security' }),
      notice('approved', { detail: 'approved under p/t' }),
    ].flatMap((n) => progressSteps(ID, n));
    expect(steps).toEqual([
      { progress: 1, message: `accepted: request ${ID}` },
      { progress: 2, message: `waiting for approvers: request ${ID}` },
      { progress: 2.5, message: `still waiting for approvers: now also asking security (request ${ID})` },
      { progress: 3, message: `approved: approved under p/t (request ${ID})` },
      { progress: 4, message: `executing: request ${ID}` },
    ]);
  });

  it('ends with the result when executed and with a tool error naming the request otherwise', () => {
    expect(finalOutcome(ID, [notice('accepted'), notice('approved'), notice('executed', { detail: 'target answered 200' })])).toEqual({
      isError: false,
      text: `request ${ID} executed: target answered 200`,
      structured: { requestId: ID, status: 'executed', detail: 'target answered 200' },
    });
    expect(finalOutcome(ID, [notice('accepted'), notice('denied', { detail: 'denied by approver:bob' })])).toMatchObject({
      isError: true,
      text: `request ${ID} DENIED by an approver, nothing ran: denied by approver:bob`,
    });
    const errors = [{ path: 'run', code: 'run_expired', message: 'the run ended' }];
    expect(finalOutcome(ID, [notice('rejected', { errors })])).toEqual({
      isError: true,
      text: `request ${ID} REJECTED by intake, nothing ran: run: run_expired: the run ended`,
      structured: { requestId: ID, status: 'rejected', errors },
    });
    expect(finalOutcome(ID, [notice('accepted')])).toBeUndefined();
  });

  it('repeats the last step while people take their time, growing but never reaching the next step', () => {
    const waiting = { progress: 2, message: `waiting for approvers: request ${ID}` };
    const beat = heartbeatStep(waiting, 20)!;
    expect(beat).toEqual({ progress: 2.001, message: `waiting for approvers: request ${ID} (still, after 20 s)` });
    expect(heartbeatStep(beat, 40)).toEqual({ progress: 2.002, message: `waiting for approvers: request ${ID} (still, after 40 s)` });
    expect(heartbeatStep({ progress: 2.899, message: 'm' }, 9_000)).toBeUndefined();
  });

  it('answers pending, not an error, when the wait ends first', () => {
    expect(pendingOutcome(ID, [notice('accepted')], 'countersign_request_status')).toEqual({
      isError: false,
      text: `request ${ID} is PENDING, nothing has run yet (last heard: accepted). Ask countersign_request_status with this request id for its outcome later.`,
      structured: { requestId: ID, status: 'pending' },
    });
  });
});
