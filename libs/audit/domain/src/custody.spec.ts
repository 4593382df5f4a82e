import { EventTypes, type Envelope } from '@countersign/contracts';
import { checkCustody } from './custody';
import type { CustodyViolationCode } from './custody.collect';
import { APPROVER, CHANNEL, DIGEST, IDS, REQUESTER, envelope, fullChain, relayedChain, withData } from './testing/custody.fixtures';

const events = (chain = fullChain()) => Object.values(chain);

describe('checkCustody', () => {
  it('names the four roles, each proven by the event its identity signed', () => {
    expect(checkCustody(events())).toStrictEqual({
      ok: true,
      custody: [
        { role: 'requester', identity: REQUESTER, eventId: IDS.submitted },
        { role: 'approver', identity: APPROVER, eventId: IDS.vote },
        { role: 'broker', identity: 'service:broker', eventId: IDS.issued },
        { role: 'executor', identity: 'service:executor', eventId: IDS.started },
      ],
    });
  });

  it('takes a policy as the approver of an auto approval, proven by the approval event', () => {
    const chain = fullChain();
    const auto = withData(chain, 'approved', { mode: 'auto', approvers: [{ id: 'policy:low-risk@auto', at: chain.approved.time }] }).filter(
      (e) => e.type !== EventTypes.VoteCast,
    );
    expect(checkCustody(auto)).toMatchObject({
      ok: true,
      custody: expect.arrayContaining([{ role: 'approver', identity: 'policy:low-risk@auto', eventId: IDS.approved }]),
    });
  });

  it('counts a redelivered envelope once', () => {
    const chain = fullChain();
    expect(checkCustody([...events(chain), chain.started, chain.vote])).toMatchObject({ ok: true });
  });

  it('checks a failed execution like a successful one', () => {
    const chain = fullChain();
    const failed = {
      ...chain.succeeded,
      type: EventTypes.ExecutionFailed,
      data: { ...(chain.succeeded.data as object), result: undefined, error: { code: 'x', message: 'y' } },
    };
    expect(checkCustody([...events(chain).filter((e) => e !== chain.succeeded), failed])).toMatchObject({ ok: true });
  });

  it('reports only missing events as incomplete, so the shell may wait for them', () => {
    const chain = fullChain();
    expect(checkCustody(events(chain).filter((e) => e !== chain.issued))).toStrictEqual({
      ok: false,
      violations: [{ code: 'missing_event', message: 'no issued event was recorded' }],
      incomplete: true,
    });
    expect(checkCustody(events(chain).filter((e) => e !== chain.vote))).toMatchObject({
      ok: false,
      incomplete: true,
      violations: [{ code: 'missing_vote' }],
    });
  });

  const chain = fullChain();
  const other = 'e0e0e0e0-0000-4000-8000-000000000000';
  const secondStart: Envelope = { ...chain.started, id: other };
  const cases: [string, Envelope[], CustodyViolationCode][] = [
    ['the execution never started', events().filter((e) => e.type !== EventTypes.ExecutionStarted), 'missing_event'],
    ['the approver vote is not recorded', events().filter((e) => e.type !== EventTypes.VoteCast), 'missing_vote'],
    ['the action was executed twice', [...events(), secondStart], 'duplicate_event'],
    ['the credential refers to another approval', withData(chain, 'issued', { approvalEventId: other }), 'broken_link'],
    ['execution started under another credential', withData(chain, 'started', { credentialId: other }), 'broken_link'],
    ['someone else finished the execution', withData(chain, 'succeeded', {}, { signer: 'service:intake' }), 'broken_link'],
    [
      'intake names another requester than the submitter',
      withData(chain, 'accepted', { requester: 'requester:other' }),
      'requester_mismatch',
    ],
    [
      'the vote was signed by someone other than the named approver',
      withData(chain, 'vote', {}, { signer: 'approver:mallory' }),
      'approver_mismatch',
    ],
    ['the recorded vote was a deny', withData(chain, 'vote', { decision: 'deny' }), 'approver_mismatch'],
    [
      'a person approved without a vote',
      withData(chain, 'approved', { approvers: [{ id: APPROVER, at: chain.approved.time }] }),
      'approver_mismatch',
    ],
    [
      'the requester approved',
      [...withData(chain, 'vote', {}, { signer: REQUESTER }).filter((e) => e.type !== EventTypes.RequestApproved), approvedBy(REQUESTER)],
      'identities_not_distinct',
    ],
    [
      'the broker executed',
      withData(chain, 'started', {}, { signer: 'service:broker' }).map((e) =>
        e.type === EventTypes.ExecutionSucceeded ? { ...e, signer: 'service:broker' } : e,
      ),
      'identities_not_distinct',
    ],
    ['the credential was issued before the approval', withData(chain, 'issued', {}, { time: '2026-11-21T09:59:10.000Z' }), 'out_of_order'],
    ['the vote came after the approval', withData(chain, 'vote', {}, { time: '2026-11-21T09:59:30.000Z' }), 'out_of_order'],
    ['the approval names another digest', withData(chain, 'approved', { digest: 'f'.repeat(64) }), 'digest_mismatch'],
    [
      'the accepted action does not hash to its digest',
      withData(chain, 'accepted', { action: { ...(chain.accepted.data as { action: object }).action, target: 'prod-db' } }),
      'digest_mismatch',
    ],
    ['the vote approved another digest', withData(chain, 'vote', { digest: 'f'.repeat(64) }), 'digest_mismatch'],
  ];

  it.each(cases)('raises a violation when %s', (_case, recorded, code) => {
    const result = checkCustody(recorded);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.violations.map((v) => v.code)).toContain(code);
  });

  it('is not incomplete when something is wrong, not just missing', () => {
    expect(checkCustody([...events(), secondStart])).toMatchObject({ ok: false, incomplete: false });
  });

  describe('votes relayed from Slack, and step-up', () => {
    const relayed = relayedChain();
    const approvers = (relayed.approved.data as { approvers: Array<Record<string, unknown>> }).approvers;
    const signedApprovers = approvers.map((approver) => ({ ...approver, via: 'signed' }));

    it('proves an approver by the vote the channel relayed for them', () => {
      expect(checkCustody(Object.values(relayed))).toStrictEqual({
        ok: true,
        custody: [
          { role: 'requester', identity: REQUESTER, eventId: IDS.submitted },
          { role: 'approver', identity: APPROVER, eventId: IDS.vote },
          { role: 'broker', identity: 'service:broker', eventId: IDS.issued },
          { role: 'executor', identity: 'service:executor', eventId: IDS.started },
        ],
      });
    });

    it('proves a step-up approval by votes the approvers signed themselves', () => {
      const chain = fullChain();
      expect(checkCustody(withData(chain, 'approved', { stepUp: true, approvers: signedApprovers }))).toMatchObject({ ok: true });
    });

    it('waits for a relayed vote not recorded yet', () => {
      expect(checkCustody(Object.values(relayed).filter((e) => e !== relayed.vote))).toMatchObject({
        ok: false,
        incomplete: true,
        violations: [{ code: 'missing_vote' }],
      });
    });

    const relayedCases: [string, Envelope[], string | string[]][] = [
      [
        'a step-up approval counted a Slack click',
        withData(relayed, 'approved', { stepUp: true }),
        'step_up_missing: the tier one-approver requires step-up, but approver:alice approved relayed by channel:slack, not with a vote signed by their own key',
      ],
      [
        'a step-up approval claims a signed vote the channel relayed',
        withData(relayed, 'approved', { stepUp: true, approvers: signedApprovers }),
        [
          `approver_mismatch: vote ${IDS.vote} was relayed by ${CHANNEL}, but the approval says ${APPROVER} signed it`,
          'step_up_missing: the tier one-approver requires step-up, but approver:alice approved relayed by channel:slack, not with a vote signed by their own key',
        ],
      ],
      [
        'a step-up approval does not say how an approver voted',
        withData(fullChain(), 'approved', { stepUp: true }),
        'step_up_missing: the tier one-approver requires step-up, but approver:alice approved without stating how, not with a vote signed by their own key',
      ],
      [
        'the channel relayed the vote for someone else',
        withData(relayed, 'vote', { approver: 'approver:bob' }),
        `approver_mismatch: vote ${IDS.vote} was relayed by ${CHANNEL} for approver:bob, not ${APPROVER}`,
      ],
      [
        'a relayed vote was signed by something that is not a channel',
        withData(relayed, 'vote', {}, { signer: APPROVER }),
        `approver_mismatch: vote ${IDS.vote} was relayed by ${APPROVER}, which is not a channel`,
      ],
      [
        'the approval says signed, the vote was relayed',
        withData(relayed, 'approved', { approvers: signedApprovers }),
        `approver_mismatch: vote ${IDS.vote} was relayed by ${CHANNEL}, but the approval says ${APPROVER} signed it`,
      ],
      [
        'the approval says Slack, the vote was signed',
        withData(fullChain(), 'approved', { approvers: approvers.map((approver) => ({ ...approver, voteId: IDS.vote })) }),
        `approver_mismatch: vote ${IDS.vote} was signed by ${APPROVER}, but the approval says it came via slack`,
      ],
      [
        'the relayed vote was a deny',
        withData(relayed, 'vote', { decision: 'deny' }),
        `approver_mismatch: vote ${IDS.vote} by ${APPROVER} was not an approval`,
      ],
    ];

    it.each(relayedCases)('raises a violation when %s', (_case, recorded, expected) => {
      const result = checkCustody(recorded);
      expect(!result.ok && result.violations.map((v) => `${v.code}: ${v.message}`)).toStrictEqual([expected].flat());
    });
  });

  function approvedBy(identity: string): Envelope {
    const data = chain.approved.data as Record<string, unknown>;
    return envelope(IDS.approved, EventTypes.RequestApproved, 'service:approval', chain.approved.time, {
      ...data,
      digest: DIGEST,
      approvers: [{ id: identity, voteId: IDS.vote, at: chain.vote.time }],
    });
  }
});
