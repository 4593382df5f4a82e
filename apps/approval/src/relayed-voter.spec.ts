import type { Registry } from '@countersign/identity';
import { relayedVoter } from './relayed-voter';

const TEAM = 'T0COUNTSGN';
const approvers: Registry['approvers'] = [
  { name: 'alice', person: 'alice', slack: { teamId: TEAM, userId: 'U0ALICE001' } },
  { name: 'bob', person: 'bob', slack: { teamId: TEAM, userId: 'U0BOB00001' } },
  { name: 'carol', person: 'carol' },
];
const relayed = (approver: string, userId: string, teamId = TEAM) => ({
  approver,
  slack: { teamId, userId, actionTs: '1732190000.123456' },
});

describe('relayedVoter', () => {
  it('counts the vote for the one approver the registry maps the Slack user to', () => {
    expect(relayedVoter({ approvers }, relayed('approver:alice', 'U0ALICE001'))).toStrictEqual({ ok: true, voter: 'approver:alice' });
  });

  it.each([
    [
      'a Slack user nobody is mapped to',
      relayed('approver:alice', 'U0MALLORY1'),
      'Slack user U0MALLORY1 of team T0COUNTSGN is not mapped to any approver',
    ],
    [
      'the right user id in another workspace',
      relayed('approver:alice', 'U0ALICE001', 'T0ELSEWHER'),
      'Slack user U0ALICE001 of team T0ELSEWHER is not mapped to any approver',
    ],
    [
      'an edge that names another approver than the registry does',
      relayed('approver:bob', 'U0ALICE001'),
      'Slack user U0ALICE001 of team T0COUNTSGN is approver:alice in the registry, but the vote was relayed as approver:bob',
    ],
    [
      'an edge that names an approver without a Slack user',
      relayed('approver:carol', 'U0ALICE001'),
      'Slack user U0ALICE001 of team T0COUNTSGN is approver:alice in the registry, but the vote was relayed as approver:carol',
    ],
  ])('counts nothing for %s, and says why', (_why, vote, unmapped) => {
    expect(relayedVoter({ approvers }, vote)).toStrictEqual({ ok: false, unmapped });
  });

  it('counts nothing when the registry maps one Slack user to two approvers', () => {
    const twice = [...approvers, { name: 'alice-bot', person: 'alice', slack: { teamId: TEAM, userId: 'U0ALICE001' } }];
    expect(relayedVoter({ approvers: twice }, relayed('approver:alice', 'U0ALICE001'))).toStrictEqual({
      ok: false,
      unmapped: 'Slack user U0ALICE001 of team T0COUNTSGN is mapped to 2 approvers; refusing all',
    });
  });

  it('counts nothing when no approver votes in Slack at all', () => {
    expect(relayedVoter({ approvers: [{ name: 'alice', person: 'alice' }] }, relayed('approver:alice', 'U0ALICE001'))).toMatchObject({
      ok: false,
    });
  });
});
