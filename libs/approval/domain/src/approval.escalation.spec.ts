import { runScenario, type Scenario } from './testing/scenario.harness';

const payment = { kind: 'payment.transfer', environment: 'production', amount: { value: '25000', currency: 'EUR' } };
const emergency = { kind: 'http.request', environment: 'production', amount: undefined, breakGlass: true as const };

/**
 * payments-high escalates to oncall (frank) after 10 minutes and expires after 20; the emergency
 * tier takes one SRE and owes a review by security (erin) within 60 minutes, escalating to finance
 * after 30.
 */
const escalation: Scenario[] = [
  {
    desc: 'nobody answers: escalation to on-call, who approves with finance',
    action: payment,
    tier: 'payments-high',
    opened: { status: 'pending', approvals: 0, escalated: false },
    steps: [
      { at: 9, status: 'pending', approvals: 0, escalated: false, emits: [], why: 'the timer fires early: nothing yet' },
      { at: 10, status: 'pending', approvals: 0, escalated: true, emits: ['approval.escalated'], why: 'ten minutes: on-call is asked too' },
      { at: 10, status: 'pending', approvals: 0, escalated: true, emits: [], why: 'a repeated tick escalates once' },
      { at: 11, vote: 'frank', status: 'pending', approvals: 1, why: 'frank may vote now' },
      { at: 12, vote: 'alice', status: 'approved', approvals: 2, why: 'votes from both groups make the quorum' },
    ],
  },
  {
    desc: 'an on-call vote before the escalation is refused, and counts after it',
    action: payment,
    tier: 'payments-high',
    opened: { status: 'pending', approvals: 0 },
    steps: [
      { at: 5, vote: 'frank', status: 'pending', approvals: 0, rejected: 'not_eligible', why: 'not before the escalation' },
      { at: 6, vote: 'alice', status: 'pending', approvals: 1, why: 'alice is finance' },
      {
        at: 11,
        vote: 'frank',
        status: 'approved',
        approvals: 2,
        escalated: true,
        emits: ['approval.escalated', 'vote.recorded', 'request.approved'],
        why: 'the timer had not fired: the vote escalates first, then counts',
      },
    ],
  },
  {
    desc: 'nobody answers the escalation either: expired, never denied',
    action: payment,
    tier: 'payments-high',
    opened: { status: 'pending', approvals: 0 },
    steps: [
      { at: 3, vote: 'alice', status: 'pending', approvals: 1, why: 'one of two' },
      { at: 10, status: 'pending', approvals: 1, escalated: true, why: 'escalated' },
      { at: 20, status: 'expired', approvals: 1, emits: ['request.expired'], why: 'twenty minutes: the request expires' },
      { at: 21, vote: 'frank', status: 'expired', approvals: 1, rejected: 'already_resolved', why: 'a late vote revives nothing' },
    ],
  },
  {
    desc: 'a timer that fires after both deadlines only expires the request',
    action: payment,
    tier: 'payments-high',
    opened: { status: 'pending', approvals: 0 },
    steps: [{ at: 25, status: 'expired', approvals: 0, escalated: false, emits: ['request.expired'], why: 'no escalation after the end' }],
  },
];

const breakGlass: Scenario[] = [
  {
    desc: 'break-glass: one SRE approves, a review is required, security closes it',
    action: emergency,
    tier: 'emergency',
    opened: { status: 'pending', approvals: 0, review: 'none' },
    steps: [
      {
        at: 1,
        vote: 'alice',
        status: 'approved',
        approvals: 1,
        review: 'open',
        emits: ['vote.recorded', 'request.approved', 'review.required'],
        why: 'a quorum of one, and the review it owes',
      },
      { at: 2, vote: 'bob', status: 'approved', approvals: 1, rejected: 'already_resolved', why: 'an ordinary vote is too late' },
      { at: 3, vote: 'alice', reviewVote: true, status: 'approved', approvals: 1, rejected: 'self_approval', why: 'alice approved it' },
      {
        at: 4,
        vote: 'frank',
        reviewVote: true,
        status: 'approved',
        approvals: 1,
        rejected: 'not_eligible',
        why: 'on-call does not review',
      },
      {
        at: 5,
        vote: 'erin',
        reviewVote: true,
        status: 'approved',
        approvals: 1,
        review: 'closed',
        emits: ['review.completed'],
        why: 'security upholds it',
      },
      { at: 6, vote: '!erin', reviewVote: true, status: 'approved', approvals: 1, rejected: 'already_resolved', why: 'closed once' },
      { at: 70, status: 'approved', approvals: 1, review: 'closed', emits: [], why: 'a closed review never goes overdue' },
    ],
  },
  {
    desc: 'break-glass review nobody closes: escalates, goes overdue, stays open until closed late',
    action: emergency,
    tier: 'emergency',
    opened: { status: 'pending', approvals: 0 },
    steps: [
      { at: 1, vote: 'erin', status: 'pending', approvals: 0, rejected: 'not_eligible', why: 'security reviews, it does not approve' },
      { at: 1, vote: 'dave', status: 'approved', approvals: 1, review: 'open', why: 'one SRE suffices in an emergency' },
      { at: 30, status: 'approved', approvals: 1, review: 'open', emits: [], why: 'half an hour is not yet up' },
      { at: 31, status: 'approved', approvals: 1, review: 'escalated', emits: ['review.escalated'], why: 'finance may review too' },
      { at: 61, status: 'approved', approvals: 1, review: 'overdue', emits: ['review.overdue'], why: 'past the deadline: flagged' },
      { at: 62, status: 'approved', approvals: 1, review: 'overdue', emits: [], why: 'flagged once, and still open' },
      { at: 70, vote: 'carol', reviewVote: true, status: 'approved', approvals: 1, rejected: 'self_approval', why: 'carol owns the agent' },
      { at: 71, vote: '!bob', reviewVote: true, status: 'approved', approvals: 1, review: 'closed', why: 'finance disputes it, late' },
    ],
  },
  {
    desc: 'a review vote before the timer fired escalates the review first',
    action: emergency,
    tier: 'emergency',
    opened: { status: 'pending', approvals: 0 },
    steps: [
      { at: 1, vote: 'alice', status: 'approved', approvals: 1, review: 'open', why: 'approved, review owed' },
      {
        at: 20,
        vote: 'bob',
        reviewVote: true,
        status: 'approved',
        approvals: 1,
        rejected: 'not_eligible',
        why: 'finance only after 30 minutes',
      },
      {
        at: 35,
        vote: 'bob',
        reviewVote: true,
        status: 'approved',
        approvals: 1,
        review: 'closed',
        emits: ['review.escalated', 'review.completed'],
        why: 'the escalation is recorded, then bob closes it',
      },
    ],
  },
  {
    desc: 'a review vote on a request that owes no review is refused',
    action: payment,
    tier: 'payments-high',
    opened: { status: 'pending', approvals: 0 },
    steps: [
      { at: 1, vote: 'erin', reviewVote: true, status: 'pending', approvals: 0, rejected: 'unknown_request', why: 'nothing to review' },
    ],
  },
];

describe('approval scenarios: escalation', () => {
  it.each(escalation)('$desc', (scenario) => runScenario(scenario));
});

describe('approval scenarios: break-glass', () => {
  it.each(breakGlass)('$desc', (scenario) => runScenario(scenario));
});
