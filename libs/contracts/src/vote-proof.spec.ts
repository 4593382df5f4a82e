import type { RequestApprovedV1 } from './events/approval';
import { EventTypes } from './event-types';
import { stepUpGap, voteProofProblem, voterOf, voteSubjectOf, type VoteEvidence, type VoteSubject } from './vote-proof';
import { actionDigest } from './action';
import { actionRenderingDigest } from './action-rendering';
import { FIXTURE_DIGEST, FIXTURE_RENDERING_DIGEST, FIXTURE_REQUEST_ID, fixtureAction } from './testing';

const REQUEST = FIXTURE_REQUEST_ID;
const DIGEST = FIXTURE_DIGEST;
const RENDERING = FIXTURE_RENDERING_DIGEST;
const SUBJECT: VoteSubject = { requestId: REQUEST, digest: DIGEST, renderingDigest: RENDERING };
const SLACK = { teamId: 'T0COUNTSGN', userId: 'U0ALICE001', actionTs: '1732190000.123456' };

function signedVote(signer: string, decision: 'approve' | 'deny' = 'approve'): VoteEvidence {
  return {
    id: 'vote-1',
    type: EventTypes.VoteCast,
    signer,
    data: { requestId: REQUEST, digest: DIGEST, renderingDigest: RENDERING, decision },
  };
}

function relayedVote(signer: string, approver: string, decision: 'approve' | 'deny' = 'approve'): VoteEvidence {
  return {
    id: 'vote-2',
    type: EventTypes.VoteRelayed,
    signer,
    data: { requestId: REQUEST, digest: DIGEST, renderingDigest: RENDERING, decision, approver, slack: SLACK },
  };
}

const POLICY = { label: 'default', version: `sha256:${'b'.repeat(64)}`, tier: 'production-change', rules: ['quorum'] };
const AT = '2026-12-06T07:00:00.000Z';

describe('voterOf', () => {
  it('is the signer of a signed vote and the named approver of a relayed one', () => {
    expect(voterOf(signedVote('approver:alice'))).toBe('approver:alice');
    expect(voterOf(relayedVote('channel:slack', 'approver:bob'))).toBe('approver:bob');
  });
});

describe('voteProofProblem', () => {
  it('accepts an approver’s own signed approval, stated as signed or not stated', () => {
    expect(voteProofProblem({ id: 'approver:alice', via: 'signed' }, signedVote('approver:alice'), SUBJECT)).toBeUndefined();
    expect(voteProofProblem({ id: 'approver:alice' }, signedVote('approver:alice'), SUBJECT)).toBeUndefined();
  });

  it('accepts a channel-relayed approval for the approver the approval says came via Slack', () => {
    expect(
      voteProofProblem({ id: 'approver:alice', via: 'slack' }, relayedVote('channel:slack', 'approver:alice'), SUBJECT),
    ).toBeUndefined();
  });

  it.each([
    [
      'a vote signed by someone else',
      { id: 'approver:alice', via: 'signed' as const },
      signedVote('approver:bob'),
      'vote vote-1 was signed by approver:bob, not approver:alice',
    ],
    [
      'a signed vote the approval says came through Slack',
      { id: 'approver:alice', via: 'slack' as const },
      signedVote('approver:alice'),
      'vote vote-1 was signed by approver:alice, but the approval says it came via slack',
    ],
    [
      'a relayed vote from something that is not a channel',
      { id: 'approver:alice', via: 'slack' as const },
      relayedVote('service:approval', 'approver:alice'),
      'vote vote-2 was relayed by service:approval, which is not a channel',
    ],
    [
      'a relayed vote for another approver',
      { id: 'approver:alice', via: 'slack' as const },
      relayedVote('channel:slack', 'approver:bob'),
      'vote vote-2 was relayed by channel:slack for approver:bob, not approver:alice',
    ],
    [
      'a relayed vote the approval says was signed',
      { id: 'approver:alice', via: 'signed' as const },
      relayedVote('channel:slack', 'approver:alice'),
      'vote vote-2 was relayed by channel:slack, but the approval says approver:alice signed it',
    ],
    [
      'a deny counted as an approval',
      { id: 'approver:alice', via: 'signed' as const },
      signedVote('approver:alice', 'deny'),
      'vote vote-1 by approver:alice was not an approval',
    ],
    [
      'a relayed deny counted as an approval',
      { id: 'approver:alice', via: 'slack' as const },
      relayedVote('channel:slack', 'approver:alice', 'deny'),
      'vote vote-2 by approver:alice was not an approval',
    ],
  ])('refuses %s', (_case, approver, vote, problem) => {
    expect(voteProofProblem(approver, vote, SUBJECT)).toBe(problem);
  });

  it('is recomputed from the accepted action: request, action digest and rendering digest', () => {
    expect(voteSubjectOf(fixtureAction)).toStrictEqual({
      requestId: fixtureAction.requestId,
      digest: actionDigest(fixtureAction),
      renderingDigest: actionRenderingDigest(fixtureAction),
    });
  });

  const alice = { id: 'approver:alice', via: 'signed' as const };
  const other = 'f'.repeat(64);
  it.each([
    [
      'on another request',
      { requestId: '5ab1dfa7-8e6d-4c6f-8bac-bf6e5d7c9a66' },
      `vote vote-1 is about request 5ab1dfa7-8e6d-4c6f-8bac-bf6e5d7c9a66, not ${REQUEST}`,
    ],
    ['naming another action digest', { digest: other }, `vote vote-1 names digest ${other}, not the request's ${DIGEST}`],
    [
      'naming a rendering the approver was not shown',
      { renderingDigest: other },
      `vote vote-1 names rendering digest ${other}, not the digest ${RENDERING} of the text approval showed`,
    ],
    [
      'naming no rendering at all (read without its schema)',
      { renderingDigest: undefined },
      `vote vote-1 names rendering digest none, not the digest ${RENDERING} of the text approval showed`,
    ],
  ])('refuses a vote %s', (_case, change, problem) => {
    const vote = signedVote('approver:alice');
    const changed = { ...vote, data: { ...vote.data, ...change } } as VoteEvidence;
    expect(voteProofProblem(alice, changed, SUBJECT)).toBe(problem);
  });
});

describe('stepUpGap', () => {
  const approved = (
    approvers: { id: string; via?: 'signed' | 'slack' }[],
    stepUp = true,
  ): Pick<RequestApprovedV1, 'stepUp' | 'approvers' | 'policy'> => ({
    approvers: approvers.map((approver) => ({ ...approver, at: AT })),
    policy: POLICY,
    ...(stepUp ? { stepUp: true as const } : {}),
  });

  it('has nothing to say about a tier without step-up', () => {
    expect(stepUpGap(approved([{ id: 'approver:alice', via: 'slack' }], false))).toBeUndefined();
  });

  it('accepts a step-up approval whose approvers all signed with their own keys', () => {
    const approval = approved([
      { id: 'approver:alice', via: 'signed' },
      { id: 'approver:bob', via: 'signed' },
    ]);
    expect(stepUpGap(approval, (approver) => signedVote(approver.id))).toBeUndefined();
  });

  it('names the approver who came through Slack', () => {
    const approval = approved([
      { id: 'approver:alice', via: 'signed' },
      { id: 'approver:bob', via: 'slack' },
    ]);
    expect(stepUpGap(approval)).toBe(
      'the tier production-change requires step-up, but approver:bob approved via slack, not with a vote signed by their own key',
    );
  });

  it('names an approver whose channel nobody stated', () => {
    expect(stepUpGap(approved([{ id: 'approver:alice' }]))).toBe(
      'the tier production-change requires step-up, but approver:alice approved without stating how, not with a vote signed by their own key',
    );
  });

  it('catches a relayed vote even when the approval claims it was signed', () => {
    const approval = approved([{ id: 'approver:alice', via: 'signed' }]);
    expect(stepUpGap(approval, () => relayedVote('channel:slack', 'approver:alice'))).toBe(
      'the tier production-change requires step-up, but approver:alice approved relayed by channel:slack, not with a vote signed by their own key',
    );
  });
});
