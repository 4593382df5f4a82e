import { actionDigest, actionRenderingDigest, type CanonicalAction } from '@countersign/contracts';
import { evaluatePolicy, REVIEW_OVERDUE_RULE } from '@countersign/policy';
import type { ApprovalCommand } from './approval.commands';
import type { ApprovalEvent } from './approval.events';
import { accepted, ACTION, openApproval, REQUEST_ID } from './testing/approval.fixtures';
import { approvalDecider, isLocalEvent } from './index';
import { cedar, SCENARIO_POLICY } from './testing/scenario.harness';

/** The scenario policy's reviewBy is 2026-12-31; this is after it. */
const LATE = '2027-01-15T09:00:00.000Z';
const late = (minutes: number) => new Date(Date.parse(LATE) + minutes * 60_000).toISOString();

type Act = { vote: string; deny?: boolean; review?: boolean; at: number } | { tick: number };

/** Runs a request opened after reviewBy through some acts; returns every event it published. */
function publishedEvents(action: Partial<CanonicalAction>, acts: Act[]): ApprovalEvent[] {
  const canonical = { ...ACTION, window: { notBefore: LATE, notAfter: late(120) }, ...action };
  const request = accepted(canonical);
  const digest = actionDigest(canonical);
  const commands: ApprovalCommand[] = [
    openApproval({ accepted: request, now: LATE, policyDecision: evaluatePolicy(SCENARIO_POLICY, request, LATE, cedar()) }),
    ...acts.map((act, index): ApprovalCommand => {
      if ('tick' in act) return { type: 'CheckDeadlines', requestId: REQUEST_ID, now: late(act.tick) };
      const vote = {
        requestId: REQUEST_ID,
        digest,
        renderingDigest: actionRenderingDigest(canonical),
        decision: act.deny ? ('deny' as const) : ('approve' as const),
        ...(act.review ? { review: true as const } : {}),
      };
      return {
        type: 'CastVote',
        voteId: `00000000-0000-4000-8000-${String(index + 1).padStart(12, '0')}`,
        voter: `approver:${act.vote}`,
        via: 'signed',
        vote,
        now: late(act.at),
      };
    }),
  ];
  let state = approvalDecider.initialState();
  const published: ApprovalEvent[] = [];
  for (const command of commands) {
    const events = approvalDecider.decide(command, state);
    state = events.reduce(approvalDecider.evolve, state);
    published.push(...events.filter((event) => !isLocalEvent(event)));
  }
  return published;
}

describe('recertification: after reviewBy every decision says so', () => {
  it.each<[string, Partial<CanonicalAction>, Act[], string[]]>([
    [
      'an auto tier, now decided by people',
      { kind: 'http.request', environment: 'staging', amount: undefined },
      [
        { vote: 'alice', at: 1 },
        { vote: 'dave', at: 2 },
      ],
      ['approval.requested', 'vote.recorded', 'vote.recorded', 'request.approved'],
    ],
    [
      'a denial',
      { kind: 'http.request', environment: 'production', amount: undefined },
      [{ vote: 'bob', deny: true, at: 1 }],
      ['approval.requested', 'vote.recorded', 'request.denied'],
    ],
    [
      'an escalation, then an expiry',
      { kind: 'payment.transfer', environment: 'production' },
      [{ tick: 10 }, { tick: 20 }],
      ['approval.requested', 'approval.escalated', 'request.expired'],
    ],
    [
      'a break-glass approval and its review',
      { kind: 'http.request', environment: 'production', amount: undefined, breakGlass: true },
      [
        { vote: 'dave', at: 1 },
        { vote: 'erin', review: true, at: 2 },
      ],
      ['approval.requested', 'vote.recorded', 'request.approved', 'review.required', 'review.completed'],
    ],
  ])('%s', (_why, action, acts, types) => {
    const events = publishedEvents(action, acts);
    expect(events.map((event) => event.type.replace(/^countersign\.(.*)\.v1$/, '$1'))).toStrictEqual(types);
    const stamped = events.filter((event) => 'policy' in event.data);
    expect(stamped.length).toBeGreaterThan(0);
    for (const event of stamped) {
      expect({
        type: event.type,
        overdue: (event.data as { policy: { rules: string[] } }).policy.rules.includes(REVIEW_OVERDUE_RULE),
      }).toStrictEqual({
        type: event.type,
        overdue: true,
      });
    }
  });
});
