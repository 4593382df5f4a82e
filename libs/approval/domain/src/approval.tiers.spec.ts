import { cedar, deny, runScenario, type Scenario } from './testing/scenario.harness';

const usd = (value: string) => ({ value, currency: 'USD' });
const payment = (value: string, environment = 'production') => ({ kind: 'payment.transfer', environment, amount: usd(value) });

/** Tiers and Cedar's say in who may vote; each row a request, then votes with the state after each. */
const scenarios: Scenario[] = [
  {
    desc: 'a low-risk call is approved by the policy itself, no vote needed',
    action: { kind: 'http.request', environment: 'staging', amount: undefined },
    tier: 'low-risk',
    opened: { status: 'approved', approvals: 0, emits: ['approval.opened', 'request.approved'] },
    steps: [{ at: 1, vote: 'alice', status: 'approved', approvals: 0, rejected: 'already_resolved', why: 'nothing left to vote on' }],
  },
  {
    desc: 'a payment over the threshold needs two people from finance',
    action: payment('25000'),
    tier: 'payments-high',
    opened: { status: 'pending', approvals: 0, emits: ['approval.opened', 'approval.requested'] },
    steps: [
      { at: 1, vote: 'dave', status: 'pending', approvals: 0, rejected: 'not_eligible', why: 'dave is SRE, not finance' },
      { at: 2, vote: 'carol', status: 'pending', approvals: 0, rejected: 'self_approval', why: 'carol owns the requesting agent' },
      { at: 3, vote: 'alice', status: 'pending', approvals: 1, why: 'one of two' },
      { at: 4, vote: 'bob', status: 'approved', approvals: 2, emits: ['vote.recorded', 'request.approved'], why: 'second person' },
    ],
  },
  {
    desc: 'a staging payment a cent under the threshold goes to the fallback (sre or finance)',
    action: payment('9999.99', 'staging'),
    tier: 'default',
    opened: { status: 'pending', approvals: 0 },
    steps: [
      { at: 1, vote: 'dave', status: 'pending', approvals: 1, why: 'dave is SRE, which the fallback asks' },
      { at: 2, vote: 'bob', status: 'approved', approvals: 2, why: 'quorum of two' },
    ],
  },
  {
    desc: 'Cedar narrows the fallback: dave may not approve money',
    action: payment('9999.99', 'staging'),
    authorization: cedar({ approve: { 'approver:dave': deny('payments-need-finance') } }),
    tier: 'default',
    opened: { status: 'pending', approvals: 0 },
    steps: [
      { at: 1, vote: 'dave', status: 'pending', approvals: 0, rejected: 'not_eligible', why: 'Cedar refused him, whatever his group' },
      { at: 2, vote: '!dave', status: 'pending', approvals: 0, rejected: 'not_eligible', why: 'nor may he deny' },
      { at: 3, vote: 'alice', status: 'pending', approvals: 1, why: 'alice may' },
      { at: 4, vote: 'bob', status: 'approved', approvals: 2, why: 'quorum of people Cedar allows' },
    ],
  },
  {
    desc: 'Cedar refuses the requester: the policy denies at once, nobody is asked',
    action: payment('25000'),
    authorization: cedar({ request: deny('no-payments-with-restricted-data') }),
    tier: 'payments-high',
    opened: { status: 'denied', approvals: 0, emits: ['approval.opened', 'request.denied'] },
    steps: [{ at: 1, vote: 'alice', status: 'denied', approvals: 0, rejected: 'already_resolved', why: 'the decision is made' }],
  },
  {
    desc: 'Cedar refuses auto-approval: the auto tier asks the fallback’s people instead',
    action: { kind: 'http.request', environment: 'staging', amount: undefined },
    authorization: cedar({ autoApprove: deny('never-auto-approve') }),
    tier: 'low-risk',
    opened: { status: 'pending', approvals: 0, emits: ['approval.opened', 'approval.requested'] },
    steps: [
      { at: 1, vote: 'alice', status: 'pending', approvals: 1, why: 'one of two' },
      { at: 2, vote: 'dave', status: 'approved', approvals: 2, why: 'fallback quorum of two' },
    ],
  },
  {
    desc: 'a deny short-circuits a production change',
    action: { kind: 'http.request', environment: 'production', amount: undefined },
    tier: 'production-change',
    opened: { status: 'pending', approvals: 0 },
    steps: [
      { at: 1, vote: 'alice', status: 'pending', approvals: 1, why: 'one of two' },
      { at: 2, vote: '!dave', status: 'denied', approvals: 1, emits: ['vote.recorded', 'request.denied'], why: 'any deny resolves' },
      { at: 3, vote: 'bob', status: 'denied', approvals: 1, rejected: 'already_resolved', why: 'too late' },
    ],
  },
  {
    desc: 'invoking break-glass for a kind no break-glass tier declares changes nothing',
    action: { ...payment('25000'), breakGlass: true },
    tier: 'payments-high',
    opened: { status: 'pending', approvals: 0 },
    steps: [
      { at: 1, vote: 'alice', status: 'pending', approvals: 1, why: 'still two from finance' },
      {
        at: 2,
        vote: 'bob',
        status: 'approved',
        approvals: 2,
        review: 'none',
        emits: ['vote.recorded', 'request.approved'],
        why: 'no review owed',
      },
    ],
  },
];

describe('approval scenarios: tiers and Cedar', () => {
  it.each(scenarios)('$desc', (scenario) => runScenario(scenario));
});
