import { FIXTURE_REQUESTER, FIXTURE_SUBMISSION_ID, fixtureAction, fixtureSubmission } from '@countersign/contracts/testing';
import { recheckApproval } from './recheck';
import { submissionProblem, type CheckedSubmission } from './submission';
import { FIXTURE_STAMP, factsFor } from './testing';

const ID = FIXTURE_SUBMISSION_ID;
const accepted = { requestId: fixtureAction.requestId, requester: FIXTURE_REQUESTER, submissionId: ID, action: fixtureAction };
const verified = (submission = fixtureSubmission()): CheckedSubmission => ({ ok: true, submission });
const stated = fixtureSubmission().data.action;

describe('submissionProblem', () => {
  describe('given the requester’s own submission of exactly the accepted request', () => {
    it('is proven with the registry facts and the window left to intake', () => {
      expect(submissionProblem(accepted, verified())).toBeUndefined();
    });

    it('is proven when the submission asserts the registry facts and window intake accepted', () => {
      const { environment, dataSensitivity, window } = fixtureAction;
      const asserting = fixtureSubmission({ action: { ...stated, environment, dataSensitivity, window } });
      expect(submissionProblem(accepted, verified(asserting))).toBeUndefined();
    });
  });

  it.each([
    [
      'no submission (as the shell reports it)',
      { ok: false as const, problem: 'the accepted request carries no submission' },
      'the submission does not verify: the accepted request carries no submission',
    ],
    [
      'a submission that does not verify',
      { ok: false as const, problem: 'bad_signature: signature does not verify' },
      'the submission does not verify: bad_signature: signature does not verify',
    ],
    [
      'a submission signed by another requester',
      verified(fixtureSubmission({}, 'requester:other-bot')),
      `submission ${ID} is signed by requester:other-bot, not ${FIXTURE_REQUESTER}`,
    ],
    [
      'another submission than the one named',
      verified({ ...fixtureSubmission(), id: '9f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d' }),
      `the request names submission ${ID}, but carries 9f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d`,
    ],
    [
      'a submission for another request',
      verified(fixtureSubmission({ requestId: '1d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a' })),
      `submission ${ID} asks for request 1d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a, not ${fixtureAction.requestId}`,
    ],
    [
      'a submission of another path',
      verified(fixtureSubmission({ action: { ...stated, parameters: { method: 'POST', path: '/other' } } })),
      `submission ${ID} asks for another action (parameters differ)`,
    ],
    [
      'a submission of another target and kind',
      verified(fixtureSubmission({ action: { ...stated, kind: 'http.get', target: 'demo-staging' } })),
      `submission ${ID} asks for another action (kind, target differ)`,
    ],
    [
      'a submission asserting another environment',
      verified(fixtureSubmission({ action: { ...stated, environment: 'production' } })),
      `submission ${ID} asks for another action (environment differ)`,
    ],
  ])('given %s', (_label, checked, expected) => {
    expect(submissionProblem(accepted, checked)).toBe(expected);
  });

  it('refuses an accepted action with an amount, a change intent or break-glass the requester never asked for', () => {
    const inflated = {
      ...fixtureAction,
      amount: { value: '1.00', currency: 'EUR' },
      intent: { ticket: 'CHG-1' },
      breakGlass: true as const,
    };
    expect(submissionProblem({ ...accepted, action: inflated }, verified())).toBe(
      `submission ${ID} asks for another action (amount, intent, breakGlass differ)`,
    );
  });
});

describe('recheckApproval, given an auto approval the pinned policy gives', () => {
  const auto = {
    requestId: fixtureAction.requestId,
    digest: 'd'.repeat(64),
    requester: FIXTURE_REQUESTER,
    acceptedEventId: '1c7d9b63-4a2f-4e2b-8d68-7b2a1f3e5c22',
    mode: 'auto' as const,
    approvers: [{ id: 'policy:prod-changes@low-risk', at: '2026-11-21T09:59:29.000Z' }],
    policy: { ...FIXTURE_STAMP, tier: 'low-risk' },
    window: fixtureAction.window,
    approvedAt: '2026-11-21T09:59:30.000Z',
  };

  it('approves with the requester’s own submission behind the request', () => {
    expect(recheckApproval(accepted, auto, factsFor(auto))).toStrictEqual({ ok: true });
  });

  it('refuses, submission_unproven, a request intake accepted with no submission behind it', () => {
    const facts = { ...factsFor(auto), submission: { ok: false as const, problem: 'the accepted request carries no submission' } };
    expect(recheckApproval(accepted, auto, facts)).toStrictEqual({
      ok: false,
      code: 'submission_unproven',
      message: 'the submission does not verify: the accepted request carries no submission',
    });
  });
});
