import { approverForSlackUser } from './slack-mapping';

const registry = {
  approvers: [
    { name: 'alice', person: 'alice', slack: { teamId: 'T0COUNTSGN', userId: 'U0ALICE001' } },
    { name: 'bob', person: 'bob', slack: { teamId: 'T0COUNTSGN', userId: 'U0BOB00001' } },
    { name: 'carol', person: 'carol' },
  ],
};

describe('approverForSlackUser', () => {
  it('maps a configured Slack user to its approver identity', () => {
    expect(approverForSlackUser(registry, { teamId: 'T0COUNTSGN', userId: 'U0BOB00001' })).toEqual({ approver: 'approver:bob' });
  });

  it('refuses an unmapped user, and the right user id in another workspace', () => {
    expect(approverForSlackUser(registry, { teamId: 'T0COUNTSGN', userId: 'U0CAROL001' })).toEqual({
      reason: 'Slack user U0CAROL001 of team T0COUNTSGN is not mapped to any approver',
    });
    expect(approverForSlackUser(registry, { teamId: 'T0ELSEWHERE', userId: 'U0ALICE001' })).toHaveProperty('reason');
  });

  it('refuses a user mapped to two approvers rather than pick one', () => {
    const twice = {
      approvers: [...registry.approvers, { name: 'alice2', person: 'alice', slack: { teamId: 'T0COUNTSGN', userId: 'U0ALICE001' } }],
    };
    expect(approverForSlackUser(twice, { teamId: 'T0COUNTSGN', userId: 'U0ALICE001' })).toEqual({
      reason: 'Slack user U0ALICE001 of team T0COUNTSGN is mapped to 2 approvers; refusing all',
    });
  });
});
