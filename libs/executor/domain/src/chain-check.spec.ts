import { actionDigest } from '@countersign/contracts';
import { FIXTURE_VOTE_ID, factsFor, fixtureDecision } from '@countersign/approval-evidence/testing';
import { checkChain } from './chain-check';
import {
  ACCEPTED_ID,
  CREDENTIAL_ID,
  DIGEST,
  EXECUTOR,
  NOW,
  REQUEST_ID,
  REQUESTER,
  action,
  accepted,
  approved,
  claims,
  evidence,
  input,
  issued,
} from './testing/chain.fixtures';
import type { ChainCheckInput, ExecutionRefusalCode } from './chain.types';
import type { EvidenceState } from './evidence';

describe('checkChain', () => {
  it('authorises exactly the accepted action under the issued credential', () => {
    expect(checkChain(evidence(), input())).toStrictEqual({
      ok: true,
      requestId: REQUEST_ID,
      digest: DIGEST,
      credentialId: CREDENTIAL_ID,
      action,
    });
  });

  it('accepts an audience list that includes the executor', () => {
    expect(
      checkChain(evidence(), input({ credential: { opened: true, claims: claims({ aud: ['service:other', EXECUTOR] }) } })),
    ).toMatchObject({ ok: true });
  });

  const other = 'e0e0e0e0-0000-4000-8000-000000000000';
  const opened = (overrides: Parameters<typeof claims>[0]): Partial<ChainCheckInput> => ({
    credential: { opened: true, claims: claims(overrides) },
  });
  const cases: [string, EvidenceState, Partial<ChainCheckInput>, ExecutionRefusalCode][] = [
    ['the credential has not arrived', evidence({ issued: null }), {}, 'chain_incomplete'],
    ['nothing but the credential arrived', evidence({ accepted: null, approved: null }), {}, 'chain_incomplete'],
    ['a second, different approval arrived', evidence({ conflicting: [other] }), {}, 'chain_incomplete'],
    ['the approval refers to another accepted event', evidence({ approved: approved({ acceptedEventId: other }) }), {}, 'chain_incomplete'],
    ['the credential refers to another approval', evidence({ issued: issued({ approvalEventId: ACCEPTED_ID }) }), {}, 'chain_incomplete'],
    ['the credential names another request', evidence({ issued: issued({ requestId: other }) }), {}, 'chain_incomplete'],
    ['the approval names another requester', evidence({ approved: approved({ requester: 'requester:other' }) }), {}, 'chain_incomplete'],
    ['the approval is signed by the broker', evidence({ approved: approved({}, 'service:broker') }), {}, 'signature_invalid'],
    ['the credential is signed by the approval service', evidence({ issued: issued({}, 'service:approval') }), {}, 'signature_invalid'],
    [
      'the accepted action was altered after digesting',
      evidence({ accepted: accepted({ action: { ...action, target: 'prod-db' } }) }),
      {},
      'digest_mismatch',
    ],
    ['the approved digest differs', evidence({ approved: approved({ digest: 'f'.repeat(64) }) }), {}, 'digest_mismatch'],
    ['the issued digest differs', evidence({ issued: issued({ digest: 'f'.repeat(64) }) }), {}, 'digest_mismatch'],
    ['the JWT digest differs', evidence(), opened({ cs_dig: 'f'.repeat(64) }), 'digest_mismatch'],
    ['the sealed box did not open', evidence(), { credential: { opened: false, error: 'aead tag mismatch' } }, 'credential_invalid'],
    [
      'the credential was issued to another executor',
      evidence({ issued: issued({ executor: 'service:executor-2' }) }),
      {},
      'credential_invalid',
    ],
    ['the JWT was not issued by the broker', evidence(), opened({ iss: 'service:approval' }), 'credential_invalid'],
    ['the JWT is for another audience', evidence(), opened({ aud: 'service:other' }), 'credential_invalid'],
    ['the JWT is about another subject', evidence(), opened({ sub: 'service:other' }), 'credential_invalid'],
    ['the JWT is another credential', evidence(), opened({ jti: other }), 'credential_invalid'],
    ['the JWT is for another request', evidence(), opened({ cs_req: other }), 'credential_invalid'],
    ['the JWT is for another target', evidence(), opened({ cs_tgt: 'prod-db' }), 'credential_invalid'],
    ['the JWT outlives the issued bounds', evidence(), opened({ exp: claims().exp + 60 }), 'credential_invalid'],
    ['the credential expired', evidence(), { now: '2026-11-21T10:15:00.000Z' }, 'window_closed'],
    ['the credential is not valid yet', evidence(), { now: '2026-11-21T09:59:59.999Z' }, 'window_closed'],
    [
      'the approved window closed before the credential',
      evidence({ approved: approved({ window: { ...action.window, notAfter: '2026-11-21T10:00:04.000Z' } }) }),
      {},
      'window_closed',
    ],
    [
      'the requester approved',
      evidence({ approved: approved({ approvers: [{ id: REQUESTER, at: '2026-11-21T09:59:29.000Z' }] }) }),
      {},
      'identities_not_distinct',
    ],
    [
      'an approver is counted twice',
      evidence({
        approved: approved({
          approvers: [
            { id: 'approver:alice', at: 'x' },
            { id: 'approver:alice', at: 'y' },
          ],
        }),
      }),
      {},
      'identities_not_distinct',
    ],
    [
      'the executor approved',
      evidence({ approved: approved({ approvers: [{ id: EXECUTOR, at: '2026-11-21T09:59:29.000Z' }] }) }),
      {},
      'identities_not_distinct',
    ],
    [
      'the requester is the executor',
      evidence({ accepted: accepted({ requester: EXECUTOR }), approved: approved({ requester: EXECUTOR }) }),
      {},
      'identities_not_distinct',
    ],
    ['no adapter runs the action kind', evidence(), { supportedKinds: ['sql.migrate'] }, 'unsupported_action'],
  ];

  it.each(cases)('refuses when %s', (_case, chain, overrides, code) => {
    expect(checkChain(chain, input(overrides))).toMatchObject({ ok: false, code });
  });

  it('refuses when the approved window reaches past the accepted one, all digests agreeing', () => {
    const narrow = { ...action, window: { notBefore: action.window.notBefore, notAfter: '2026-11-21T10:00:04.000Z' } };
    const digest = actionDigest(narrow);
    const chain = evidence({ accepted: accepted({ action: narrow, digest }), approved: approved({ digest }), issued: issued({ digest }) });
    expect(checkChain(chain, input({ credential: { opened: true, claims: claims({ cs_dig: digest }) } }))).toStrictEqual({
      ok: false,
      code: 'window_closed',
      message: `${NOW} is outside the accepted window 2026-11-21T09:59:00.000Z..2026-11-21T10:00:04.000Z`,
    });
  });

  it('refuses a step-up approval that counted a Slack click, saying step-up is missing', () => {
    const approvers = [
      { id: 'approver:alice', via: 'signed' as const, at: '2026-11-21T09:59:28.000Z' },
      { id: 'approver:bob', via: 'slack' as const, at: '2026-11-21T09:59:29.000Z' },
    ];
    expect(checkChain(evidence({ approved: approved({ stepUp: true, approvers }) }), input())).toStrictEqual({
      ok: false,
      code: 'step_up_missing',
      message:
        'step-up missing: the tier one-approver requires step-up, but approver:bob approved via slack, not with a vote signed by their own key',
    });
  });

  it('refuses a step-up approval that does not say how an approver voted', () => {
    expect(checkChain(evidence({ approved: approved({ stepUp: true }) }), input())).toMatchObject({
      ok: false,
      code: 'step_up_missing',
      message: expect.stringContaining('approver:alice approved without stating how') as unknown,
    });
  });

  it('runs a step-up approval whose approvers signed their own votes, and Slack approvals where no step-up is needed', () => {
    const alice = { id: 'approver:alice', voteId: FIXTURE_VOTE_ID, at: '2026-11-21T09:59:29.000Z' };
    const signed = approved({ stepUp: true, approvers: [{ ...alice, via: 'signed' }] });
    const slack = approved({ approvers: [{ ...alice, via: 'slack' }] });
    const withFacts = (approval: typeof signed) => input({ approvalFacts: factsFor(approval.data) });
    expect(checkChain(evidence({ approved: signed }), withFacts(signed))).toMatchObject({ ok: true });
    expect(checkChain(evidence({ approved: slack }), withFacts(slack))).toMatchObject({ ok: true });
  });

  describe('re-checks the approval against the pinned policy, as the broker does', () => {
    const facts = input().approvalFacts;

    it('refuses an approval whose votes did not travel with it', () => {
      expect(checkChain(evidence(), input({ approvalFacts: { ...facts, votes: [] } }))).toStrictEqual({
        ok: false,
        code: 'quorum_unproven',
        message: `the approval carries no vote ${FIXTURE_VOTE_ID} for approver:alice`,
      });
    });

    it('refuses fewer approvers than the pinned tier needs', () => {
      const twoPeople = { ...facts, decision: { ...facts.decision, quorum: 2 } };
      expect(checkChain(evidence(), input({ approvalFacts: twoPeople }))).toStrictEqual({
        ok: false,
        code: 'quorum_unproven',
        message: 'tier one-approver needs 2 distinct approvers; the evidence proves 1',
      });
    });

    it('refuses an auto approval of a request the pinned policy sends to people', () => {
      const auto = approved({ mode: 'auto', approvers: [{ id: 'policy:prod-changes@one-approver', at: '2026-11-21T09:59:29.000Z' }] });
      expect(checkChain(evidence({ approved: auto }), input({ approvalFacts: { ...facts, decision: fixtureDecision() } }))).toStrictEqual({
        ok: false,
        code: 'policy_mismatch',
        message: 'the pinned policy prod-changes routes this request to tier one-approver (quorum), not one-approver (auto)',
      });
    });
  });

  it('names every missing link', () => {
    expect(checkChain(evidence({ accepted: null, issued: null }), input())).toStrictEqual({
      ok: false,
      code: 'chain_incomplete',
      message: 'missing: request accepted, credential issued',
    });
  });
});
