import { runScenario, type Scenario } from './testing/scenario.harness';

const payment = (value: string) => ({ kind: 'payment.transfer', environment: 'production', amount: { value, currency: 'EUR' } });
const emergency = { kind: 'http.request', environment: 'production', amount: undefined, breakGlass: true as const };
const NOBODY = 'Slack user U0MALLORY1 of team T0COUNTSGN is not mapped to any approver';

/**
 * Votes from two channels: signed with the approver's own key (`countersign vote`), or a Slack
 * click the edge relayed (`slack: true`). payments-high (>= 10000) counts both; payments-critical
 * (>= 100000) and the emergency tier need step-up: a Slack approval is refused there, a Slack deny
 * counts. Each row a request, then votes with the state right after each, and why.
 */
const scenarios: Scenario[] = [
  {
    desc: 'two finance approvers approve 12500 in Slack',
    action: payment('12500.00'),
    tier: 'payments-high',
    opened: { status: 'pending', approvals: 0, emits: ['approval.opened', 'approval.requested'] },
    steps: [
      { at: 1, vote: 'alice', slack: true, status: 'pending', approvals: 1, emits: ['vote.recorded'], why: 'a Slack click counts here' },
      {
        at: 2,
        vote: 'bob',
        slack: true,
        status: 'approved',
        approvals: 2,
        emits: ['vote.recorded', 'request.approved'],
        why: 'second person, also in Slack: quorum',
      },
    ],
  },
  {
    desc: 'Slack and signed votes count together on payments-high',
    action: payment('25000'),
    tier: 'payments-high',
    opened: { status: 'pending', approvals: 0 },
    steps: [
      { at: 1, vote: 'alice', slack: true, status: 'pending', approvals: 1, why: 'alice clicks approve in Slack' },
      { at: 2, vote: 'bob', status: 'approved', approvals: 2, why: 'bob signs with his own key: quorum of two people' },
    ],
  },
  {
    desc: 'a Slack approval on a step-up tier is refused; the same person’s signed vote then counts',
    action: payment('250000'),
    tier: 'payments-critical',
    opened: { status: 'pending', approvals: 0, emits: ['approval.opened', 'approval.requested'] },
    steps: [
      {
        at: 1,
        vote: 'alice',
        slack: true,
        status: 'pending',
        approvals: 0,
        rejected: 'step_up_required',
        emits: ['vote.rejected'],
        why: 'Slack proves a click, not who made it',
      },
      {
        at: 2,
        vote: 'alice',
        status: 'pending',
        approvals: 1,
        why: 'alice signs with her own key: not a duplicate, the click never counted',
      },
      {
        at: 3,
        vote: 'bob',
        slack: true,
        status: 'pending',
        approvals: 1,
        rejected: 'step_up_required',
        why: 'bob clicks in Slack: refused too',
      },
      { at: 4, vote: 'bob', status: 'approved', approvals: 2, emits: ['vote.recorded', 'request.approved'], why: 'two signed approvals' },
    ],
  },
  {
    desc: 'a Slack deny on a step-up tier denies at once',
    action: payment('250000'),
    tier: 'payments-critical',
    opened: { status: 'pending', approvals: 0 },
    steps: [
      { at: 1, vote: 'alice', status: 'pending', approvals: 1, why: 'one signed approval' },
      {
        at: 2,
        vote: '!bob',
        slack: true,
        status: 'denied',
        approvals: 1,
        emits: ['vote.recorded', 'request.denied'],
        why: 'denying is the safe direction: a Slack deny counts everywhere',
      },
      { at: 3, vote: 'carol', status: 'denied', approvals: 1, rejected: 'already_resolved', why: 'nothing counts after a deny' },
    ],
  },
  {
    desc: 'a Slack user the registry maps to nobody counts for nobody, not even to deny',
    action: payment('12500.00'),
    tier: 'payments-high',
    opened: { status: 'pending', approvals: 0 },
    steps: [
      {
        at: 1,
        vote: 'alice',
        unmapped: NOBODY,
        status: 'pending',
        approvals: 0,
        rejected: 'unmapped_voter',
        why: 'no approver behind the click',
      },
      {
        at: 2,
        vote: '!alice',
        unmapped: NOBODY,
        status: 'pending',
        approvals: 0,
        rejected: 'unmapped_voter',
        why: 'a deny from nobody denies nothing',
      },
      { at: 3, vote: 'alice', slack: true, status: 'pending', approvals: 1, why: 'the real alice in Slack' },
      { at: 4, vote: 'bob', status: 'approved', approvals: 2, why: 'quorum' },
    ],
  },
  {
    desc: 'a replayed relayed vote (same vote id) decides nothing',
    action: payment('12500.00'),
    tier: 'payments-high',
    opened: { status: 'pending', approvals: 0 },
    steps: [
      { at: 1, vote: 'alice', slack: true, status: 'pending', approvals: 1, why: 'one of two' },
      {
        at: 2,
        vote: 'alice',
        redeliver: 1,
        status: 'pending',
        approvals: 1,
        emits: [],
        why: 'the same click again: not a second approval',
      },
      { at: 3, vote: 'bob', slack: true, status: 'approved', approvals: 2, why: 'quorum' },
      { at: 4, vote: 'bob', redeliver: 3, status: 'approved', approvals: 2, emits: [], why: 'a replay after the approval is silent' },
    ],
  },
  {
    desc: 'a refused relayed vote, replayed, is not answered twice',
    action: payment('250000'),
    tier: 'payments-critical',
    opened: { status: 'pending', approvals: 0 },
    steps: [
      { at: 1, vote: 'alice', slack: true, status: 'pending', approvals: 0, rejected: 'step_up_required', why: 'step-up' },
      { at: 2, vote: 'alice', redeliver: 1, status: 'pending', approvals: 0, emits: [], why: 'already answered' },
    ],
  },
  {
    desc: 'a person voting in Slack and then with the CLI is a duplicate',
    action: payment('12500.00'),
    tier: 'payments-high',
    opened: { status: 'pending', approvals: 0 },
    steps: [
      { at: 1, vote: 'alice', slack: true, status: 'pending', approvals: 1, why: 'alice in Slack' },
      {
        at: 2,
        vote: 'alice',
        status: 'pending',
        approvals: 1,
        rejected: 'duplicate_vote',
        why: 'alice again, signed: one person, one vote',
      },
      { at: 3, vote: 'bob', status: 'approved', approvals: 2, why: 'bob signed: quorum of two people' },
    ],
  },
  {
    desc: 'a person voting with the CLI and then in Slack is a duplicate too',
    action: payment('12500.00'),
    tier: 'payments-high',
    opened: { status: 'pending', approvals: 0 },
    steps: [
      { at: 1, vote: 'bob', status: 'pending', approvals: 1, why: 'bob signed' },
      { at: 2, vote: 'bob', slack: true, status: 'pending', approvals: 1, rejected: 'duplicate_vote', why: 'bob again, in Slack' },
    ],
  },
  {
    desc: 'every other rule holds for relayed votes exactly as for signed ones',
    action: payment('12500.00'),
    tier: 'payments-high',
    opened: { status: 'pending', approvals: 0 },
    steps: [
      {
        at: 1,
        vote: 'carol',
        slack: true,
        status: 'pending',
        approvals: 0,
        rejected: 'self_approval',
        why: 'carol owns the requesting agent',
      },
      { at: 2, vote: 'dave', slack: true, status: 'pending', approvals: 0, rejected: 'not_eligible', why: 'dave is not finance' },
      {
        at: 3,
        vote: 'frank',
        slack: true,
        status: 'pending',
        approvals: 0,
        rejected: 'not_eligible',
        why: 'on-call only after the escalation',
      },
      { at: 4, vote: 'alice', slack: true, status: 'pending', approvals: 1, why: 'alice' },
      { at: 5, vote: 'bob', slack: true, status: 'approved', approvals: 2, why: 'bob: quorum' },
      { at: 6, vote: '!erin', slack: true, status: 'approved', approvals: 2, rejected: 'already_resolved', why: 'too late' },
    ],
  },
  {
    desc: 'break-glass with step-up: the one approval and upholding it in review must be signed; disputing may come from Slack',
    action: emergency,
    tier: 'emergency',
    opened: { status: 'pending', approvals: 0 },
    steps: [
      {
        at: 1,
        vote: 'dave',
        slack: true,
        status: 'pending',
        approvals: 0,
        rejected: 'step_up_required',
        why: 'one person alone authorizes it',
      },
      {
        at: 2,
        vote: 'dave',
        status: 'approved',
        approvals: 1,
        review: 'open',
        emits: ['vote.recorded', 'request.approved', 'review.required'],
        why: 'dave signs: approved, review owed',
      },
      {
        at: 3,
        vote: 'erin',
        reviewVote: true,
        slack: true,
        status: 'approved',
        approvals: 1,
        review: 'open',
        rejected: 'step_up_required',
        why: 'upholding needs step-up too',
      },
      {
        at: 4,
        vote: 'erin',
        reviewVote: true,
        unmapped: NOBODY,
        status: 'approved',
        approvals: 1,
        review: 'open',
        rejected: 'unmapped_voter',
        why: 'nobody may review',
      },
      {
        at: 5,
        vote: '!erin',
        reviewVote: true,
        slack: true,
        status: 'approved',
        approvals: 1,
        review: 'closed',
        emits: ['review.completed'],
        why: 'disputing from Slack counts',
      },
    ],
  },
  {
    desc: 'break-glass with step-up: a Slack deny ends the emergency request',
    action: emergency,
    tier: 'emergency',
    opened: { status: 'pending', approvals: 0 },
    steps: [
      {
        at: 1,
        vote: '!alice',
        slack: true,
        status: 'denied',
        approvals: 0,
        emits: ['vote.recorded', 'request.denied'],
        why: 'deny counts',
      },
    ],
  },
];

describe('approval scenarios: Slack and signed votes, step-up', () => {
  it.each(scenarios)('$desc', (scenario) => runScenario(scenario));
});
