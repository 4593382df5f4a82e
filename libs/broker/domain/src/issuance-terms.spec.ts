import { actionDigest, type Envelope, type RequestAcceptedV1, type RequestApprovedV1 } from '@countersign/contracts';
import { accepted, action, approval, NOW, REQUESTER } from './testing/credential.fixtures';
import type { CredentialRefusalCode } from './credential.commands';
import { initialCredentialState, type CredentialState } from './credential.state';
import { issuanceTerms } from './issuance-terms';

const knowing = (acceptedEnvelope: Envelope<RequestAcceptedV1> | null = accepted()): CredentialState => ({
  ...initialCredentialState(),
  accepted: acceptedEnvelope,
});

describe('issuanceTerms', () => {
  it('grants from now, rounded down to the second, for at most fifteen minutes', () => {
    expect(issuanceTerms(knowing(), approval(), NOW)).toStrictEqual({
      ok: true,
      notBefore: '2026-11-21T10:00:00.000Z',
      expiresAt: '2026-11-21T10:15:00.000Z',
    });
  });

  it('ends the credential with the approved window when that comes first', () => {
    const window = { notBefore: action.window.notBefore, notAfter: '2026-11-21T10:05:00.700Z' };
    expect(issuanceTerms(knowing(), approval({ window }), NOW)).toStrictEqual({
      ok: true,
      notBefore: '2026-11-21T10:00:00.000Z',
      expiresAt: '2026-11-21T10:05:00.000Z',
    });
  });

  it('defers, with the instant to retry, when the window has not opened yet', () => {
    expect(issuanceTerms(knowing(), approval(), '2026-11-21T09:58:00.000Z')).toStrictEqual({
      ok: false,
      code: 'window_closed',
      message: 'the approved window opens at 2026-11-21T09:59:00.000Z',
      retryAt: '2026-11-21T09:59:00.000Z',
    });
  });

  const tamperedAction = { ...action, parameters: { method: 'DELETE', path: '/' } };
  const refusals: [string, CredentialState, Envelope<RequestApprovedV1>, string, CredentialRefusalCode][] = [
    ['the request was never accepted', knowing(null), approval(), NOW, 'request_unknown'],
    ['the accepted request is not signed by intake', knowing(accepted({}, 'service:approval')), approval(), NOW, 'request_unknown'],
    ['the approval is not signed by approval', knowing(), approval({}, { signer: 'service:intake' }), NOW, 'approval_not_genuine'],
    [
      'the approval names another request',
      knowing(),
      approval({ requestId: 'e0e0e0e0-0000-4000-8000-000000000000' }),
      NOW,
      'approval_not_genuine',
    ],
    [
      'the approval refers to another accepted event',
      knowing(),
      approval({ acceptedEventId: 'e0e0e0e0-0000-4000-8000-000000000000' }),
      NOW,
      'approval_not_genuine',
    ],
    ['the approval names another requester', knowing(), approval({ requester: 'requester:other' }), NOW, 'approval_not_genuine'],
    [
      'the approved window is wider than the accepted one',
      knowing(),
      approval({ window: { ...action.window, notAfter: '2026-11-21T12:00:00.000Z' } }),
      NOW,
      'approval_not_genuine',
    ],
    [
      'an approver is counted twice',
      knowing(),
      approval({ approvers: [approverAt('alice'), approverAt('alice')] }),
      NOW,
      'approval_not_genuine',
    ],
    ['an auto approval names a person', knowing(), approval({ mode: 'auto' }), NOW, 'approval_not_genuine'],
    [
      'a quorum approval names a policy',
      knowing(),
      approval({ approvers: [{ id: 'policy:low@auto', at: NOW }] }),
      NOW,
      'approval_not_genuine',
    ],
    ['the approved digest differs', knowing(), approval({ digest: 'f'.repeat(64) }), NOW, 'digest_mismatch'],
    ['the accepted action was altered after digesting', knowing(accepted({ action: tamperedAction })), approval(), NOW, 'digest_mismatch'],
    ['the accepted action is bound to another request', knowing(accepted(rebound())), approval(rebound()), NOW, 'digest_mismatch'],
    [
      'the requester approved',
      knowing(),
      approval({ approvers: [approverAt('alice'), { id: REQUESTER, at: NOW }] }),
      NOW,
      'requester_approved',
    ],
    [
      'a step-up approval counts a Slack click',
      knowing(),
      approval({ stepUp: true, approvers: [signedBy('alice'), { ...approverAt('bob'), via: 'slack' }] }),
      NOW,
      'step_up_missing',
    ],
    ['a step-up approval does not say how an approver voted', knowing(), approval({ stepUp: true }), NOW, 'step_up_missing'],
    ['the window has closed', knowing(), approval(), '2026-11-21T11:00:00.000Z', 'window_closed'],
    ['less than a whole second is left', knowing(), approval({ window: closingAt('2026-11-21T10:00:00.900Z') }), NOW, 'window_closed'],
  ];

  it.each(refusals)('refuses when %s', (_case, state, approvalEnvelope, now, code) => {
    expect(issuanceTerms(state, approvalEnvelope, now)).toMatchObject({ ok: false, code });
  });

  it('accepts a step-up approval whose approvers all signed their votes', () => {
    const stepUp = approval({ stepUp: true, approvers: [signedBy('alice'), signedBy('bob')] });
    expect(issuanceTerms(knowing(), stepUp, NOW)).toMatchObject({ ok: true });
  });

  it('accepts Slack approvals where the tier needs no step-up', () => {
    const slack = approval({ approvers: [{ ...approverAt('alice'), via: 'slack' }, signedBy('bob')] });
    expect(issuanceTerms(knowing(), slack, NOW)).toMatchObject({ ok: true });
  });

  it('accepts an auto approval by a single policy', () => {
    const auto = approval({ mode: 'auto', approvers: [{ id: 'policy:low-risk@auto', at: NOW }] });
    expect(issuanceTerms(knowing(), auto, NOW)).toMatchObject({ ok: true });
  });
});

function closingAt(notAfter: string) {
  return { notBefore: action.window.notBefore, notAfter };
}

function approverAt(name: string) {
  return { id: `approver:${name}`, at: NOW };
}

function signedBy(name: string) {
  return { ...approverAt(name), via: 'signed' as const };
}

/** An action for another request whose digest is internally consistent, so only the binding is wrong. */
function rebound(): { digest: string; action: typeof action } {
  const other = { ...action, requestId: 'e0e0e0e0-0000-4000-8000-000000000000' };
  return { action: other, digest: actionDigest(other) };
}
