import { actionRenderingDigest, type CanonicalAction } from '@countersign/contracts';
import { evaluatePolicy, parsePolicy, type Authorization, type Policy, type Verdict } from '@countersign/policy';
import type { VoteRejectedV1 } from '@countersign/contracts';
import { ACTION, accepted, at, castVote, openApproval, T0 } from './approval.fixtures';
import type { ApprovalCommand } from '../approval.commands';
import type { ApprovalEvent } from '../approval.events';
import type { ApprovalState } from '../approval.state';
import { approvalDecider, approvalsOf } from '../index';

/**
 * Scenario tables in the style of Teleport's review-threshold tests: a request is opened under a
 * real policy (tiers evaluated, Cedar's answers given as data), then each step (a vote, a review
 * vote or a timer tick at minute `at`) states the approval's state right after it, and why.
 * The cast: payments-agent asks and carol owns it; finance = alice, bob, carol; sre = alice, bob,
 * dave; security = erin; oncall = frank. payments-critical and the emergency tier need step-up.
 * Test-only, not exported from the library.
 */
export const SCENARIO_POLICY: Policy = policyFrom({
  label: 'scenarios',
  reviewBy: '2026-12-31',
  authorization: 'scenarios.cedar',
  defaults: { pendingTtlSeconds: 900, executionWindowSeconds: 600 },
  approvers: {
    finance: ['approver:alice', 'approver:bob', 'approver:carol'],
    sre: ['approver:alice', 'approver:bob', 'approver:dave'],
    security: ['approver:erin'],
    oncall: ['approver:frank'],
  },
  tiers: [
    { name: 'low-risk', match: { kinds: ['http.request'], environments: ['staging'] }, mode: 'auto' },
    {
      name: 'emergency',
      match: { kinds: ['http.request'], environments: ['production'] },
      mode: 'quorum',
      quorum: 1,
      groups: ['sre'],
      breakGlass: true,
      review: { groups: ['security'], deadlineSeconds: 3600, escalation: { afterSeconds: 1800, groups: ['finance'] } },
      stepUp: true,
    },
    {
      name: 'payments-critical',
      match: { kinds: ['payment.transfer'], minAmount: { EUR: '100000', USD: '110000' } },
      mode: 'quorum',
      quorum: 2,
      groups: ['finance'],
      stepUp: true,
    },
    {
      name: 'payments-high',
      match: { kinds: ['payment.transfer'], minAmount: { EUR: '10000', USD: '11000' } },
      mode: 'quorum',
      quorum: 2,
      groups: ['finance'],
      pendingTtlSeconds: 1200,
      escalation: { afterSeconds: 600, groups: ['oncall'] },
    },
    { name: 'production-change', match: { environments: ['production'] }, mode: 'quorum', quorum: 2, groups: ['sre'] },
  ],
  fallback: { quorum: 2, groups: ['sre', 'finance'] },
});

function policyFrom(document: object): Policy {
  const parsed = parsePolicy(JSON.stringify(document), 'scenarios.policy.json');
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.policy;
}

const allow = (id: string): Verdict => ({ allowed: true, policies: [id] });
export const deny = (id: string): Verdict => ({ allowed: false, policies: [id] });

/** Cedar allows everything, except what `overrides` says. */
export function cedar(overrides: { request?: Verdict; autoApprove?: Verdict; approve?: Record<string, Verdict> } = {}): Authorization {
  const everyone = Object.values(SCENARIO_POLICY.approvers).flat();
  return {
    request: overrides.request ?? allow('ask'),
    autoApprove: overrides.autoApprove ?? allow('auto'),
    approve: { ...Object.fromEntries(everyone.map((id) => [id, allow('vote')])), ...overrides.approve },
  };
}

export type ReviewLabel = 'none' | 'open' | 'escalated' | 'overdue' | 'closed';

/** The state a step (or the opening) must leave behind. */
export interface Expected {
  status: ApprovalState['status'];
  approvals: number;
  rejected?: VoteRejectedV1['code'];
  escalated?: boolean;
  review?: ReviewLabel;
  /** Event types emitted by this step, without `countersign.` and `.v1`. */
  emits?: string[];
}

export interface Step extends Expected {
  at: number;
  /** `alice` approves; `!alice` denies. Absent: a timer tick (CheckDeadlines). */
  vote?: string;
  /** The vote is on the break-glass review. */
  reviewVote?: boolean;
  /** The vote was a Slack click the edge relayed, rather than signed with the approver's own key. */
  slack?: boolean;
  /** A relayed vote whose Slack user the registry maps to nobody (the reason): it is channel:slack's. */
  unmapped?: string;
  /** Deliver the command of an earlier step (1-based) again, with its vote id: a replay. */
  redeliver?: number;
  why: string;
}

export interface Scenario {
  desc: string;
  action: Partial<CanonicalAction>;
  authorization?: Authorization;
  /** The tier the policy routes the request to. */
  tier: string;
  opened: Expected;
  steps: Step[];
}

export function runScenario({ action, authorization = cedar(), tier, opened, steps }: Scenario): void {
  const request = accepted({ ...ACTION, ...action });
  const decision = evaluatePolicy(SCENARIO_POLICY, request, T0, authorization);
  expect(decision.stamp.tier).toBe(tier);
  let state = approvalDecider.initialState();
  const apply = (events: ApprovalEvent[]) => {
    state = events.reduce((folded, event) => approvalDecider.evolve(folded, event), state);
    return events;
  };
  const first = apply(approvalDecider.decide(openApproval({ accepted: request, policyDecision: decision }), state));
  expect(pick(observe(state, first), opened)).toStrictEqual({ ...opened });
  const sent: ApprovalCommand[] = [];
  steps.forEach((step, index) => {
    const n = index + 1;
    const command =
      step.redeliver === undefined ? commandFor(step, n, request.digest, actionRenderingDigest(request.action)) : sent[step.redeliver - 1]!;
    sent.push(command);
    const events = apply(approvalDecider.decide(command, state));
    const { at: _at, vote, reviewVote: _reviewVote, slack: _slack, unmapped: _unmapped, redeliver, why, ...stated } = step;
    // A vote row always says whether it was refused: silence means it counted (or, redelivered, was ignored).
    const expected: Expected = vote === undefined && redeliver === undefined ? stated : { rejected: undefined, ...stated };
    expect({ step: n, why, ...pick(observe(state, events), expected) }).toStrictEqual({ step: n, why, ...expected });
  });
}

function commandFor(step: Step, n: number, digest: string, renderingDigest: string): ApprovalCommand {
  if (step.vote === undefined) return { type: 'CheckDeadlines' as const, requestId: ACTION.requestId, now: at(step.at) };
  const denies = step.vote.startsWith('!');
  const channel = step.slack || step.unmapped !== undefined ? { via: 'slack' as const } : {};
  const unmapped = step.unmapped === undefined ? {} : { voter: 'channel:slack', unmapped: step.unmapped };
  const vote = castVote(n, denies ? step.vote.slice(1) : step.vote, denies ? 'deny' : 'approve', {
    now: at(step.at),
    digest,
    renderingDigest,
    ...channel,
    ...unmapped,
  });
  return step.reviewVote ? { ...vote, vote: { ...vote.vote, review: true as const } } : vote;
}

function observe(state: ApprovalState, events: ApprovalEvent[]): Required<Expected> {
  const rejection = events.find((event) => event.type === 'countersign.vote.rejected.v1');
  const opened = state.status === 'unknown' ? undefined : state;
  return {
    status: state.status,
    approvals: opened ? approvalsOf(opened).length : 0,
    rejected: rejection?.type === 'countersign.vote.rejected.v1' ? rejection.data.code : (undefined as never),
    escalated: opened?.escalated ?? false,
    review: reviewLabel(state),
    emits: events.map((event) => event.type.replace(/^countersign\./, '').replace(/\.v1$/, '')),
  };
}

function reviewLabel(state: ApprovalState): ReviewLabel {
  if (state.status === 'unknown' || state.status === 'pending' || !state.review) return 'none';
  const { review } = state;
  if (review.status === 'closed') return 'closed';
  if (review.overdue) return 'overdue';
  return review.escalated ? 'escalated' : 'open';
}

/** Only what the row states is compared, so a row stays as short as its point. */
function pick(observed: Required<Expected>, expected: Expected): Expected {
  return Object.fromEntries(Object.keys(expected).map((key) => [key, observed[key as keyof Expected]])) as unknown as Expected;
}
