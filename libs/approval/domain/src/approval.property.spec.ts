import { EventTypes } from '@countersign/contracts';
import fc from 'fast-check';
import type { ApprovalCommand, CastVote } from './approval.commands';
import type { ApprovalEvent } from './approval.events';
import { at, castVote, decision, DIGEST, openApproval, REQUEST_ID } from './testing/approval.fixtures';
import { approvalDecider } from './index';

/**
 * Whatever order votes, denials, ticks and redeliveries arrive in, approval is granted at most
 * once, only by a quorum of distinct eligible people who are not the requester, and never after
 * a denial or past the deadline. People and eligibility as in approval.fixtures.
 */
const VOTERS = ['alice', 'alice-bot', 'bob', 'carol', 'payments-agent', 'erin', 'dave'];
const PERSON: Record<string, string> = {
  alice: 'alice',
  'alice-bot': 'alice',
  bob: 'bob',
  carol: 'carol',
  'payments-agent': 'payments-agent',
  erin: 'erin',
  dave: 'dave',
};
const ELIGIBLE = new Set(['alice', 'alice-bot', 'bob', 'carol', 'payments-agent', 'erin']);
const REQUESTER_PERSONS = new Set(['payments-agent', 'carol']);
const DEADLINE_MINUTE = 15;

type Step =
  | { kind: 'vote'; voter: string; decision: 'approve' | 'deny'; wrongDigest: boolean; advance: number }
  | { kind: 'redeliver'; pick: number; advance: number }
  | { kind: 'tick'; advance: number }
  | { kind: 'open'; advance: number };

const advance = fc.integer({ min: 0, max: 3 });
const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('vote' as const),
      voter: fc.constantFrom(...VOTERS),
      decision: fc.constantFrom('approve' as const, 'approve' as const, 'approve' as const, 'deny' as const),
      wrongDigest: fc.constant(false),
      advance,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('vote' as const),
      voter: fc.constantFrom(...VOTERS),
      decision: fc.constant('approve' as const),
      wrongDigest: fc.constant(true),
      advance,
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('redeliver' as const), pick: fc.nat(), advance }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('tick' as const), advance }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('open' as const), advance }) },
);

interface Run {
  quorum: number;
  commands: ApprovalCommand[];
  /** Events in order, each with the command that produced it. */
  log: { event: ApprovalEvent; command: ApprovalCommand }[];
}

function run(quorum: number, steps: Step[]): Run {
  let state = approvalDecider.initialState();
  let minute = 0;
  const commands: ApprovalCommand[] = [];
  const votes: CastVote[] = [];
  const log: Run['log'] = [];
  const execute = (command: ApprovalCommand) => {
    commands.push(command);
    const events = approvalDecider.decide(command, state);
    state = events.reduce(approvalDecider.evolve, state);
    log.push(...events.map((event) => ({ event, command })));
  };
  // Open first, so most runs exercise the pending state; later 'open' steps are redeliveries.
  execute(openApproval({ policyDecision: decision({ quorum }), now: at(0) }));
  for (const s of steps) {
    minute += s.advance;
    const command = commandFor(s, votes, minute, quorum);
    if (command?.type === 'CastVote' && s.kind === 'vote') votes.push(command);
    if (command) execute(command);
  }
  return { quorum, commands, log };
}

function commandFor(s: Step, votes: CastVote[], minute: number, quorum: number): ApprovalCommand | undefined {
  switch (s.kind) {
    case 'vote':
      return castVote(votes.length + 1, s.voter, s.decision, { now: at(minute), ...(s.wrongDigest ? { digest: '0'.repeat(64) } : {}) });
    case 'redeliver':
      return votes.length === 0 ? undefined : { ...votes[s.pick % votes.length]!, now: at(minute) };
    case 'tick':
      return { type: 'CheckDeadlines', requestId: REQUEST_ID, now: at(minute) };
    case 'open':
      return openApproval({ policyDecision: decision({ quorum }), now: at(minute) });
  }
}

const RESOLUTIONS: string[] = [EventTypes.RequestApproved, EventTypes.RequestDenied, EventTypes.RequestExpired];

function checkInvariants({ quorum, commands, log }: Run): void {
  const types = log.map(({ event }) => event.type);
  const resolutionAt = types.findIndex((type) => RESOLUTIONS.includes(type));
  // At most one resolution, and nothing but vote rejections after it.
  expect(types.filter((type) => RESOLUTIONS.includes(type)).length).toBeLessThanOrEqual(1);
  if (resolutionAt >= 0) expect(types.slice(resolutionAt + 1).every((type) => type === EventTypes.VoteRejected)).toBe(true);
  // Event ids never repeat, so the store's idempotency can never hide a second, different event.
  expect(new Set(log.map(({ event }) => event.id)).size).toBe(log.length);

  for (const { event, command } of log) {
    if (event.type === EventTypes.RequestDenied) expect(command.type === 'CastVote' && command.vote.decision === 'deny').toBe(true);
    if (event.type !== EventTypes.RequestApproved) continue;
    const approvers = event.data.approvers.map((approver) => approver.id.replace(/^approver:/, ''));
    const people = new Set(approvers.map((name) => PERSON[name]));
    expect(people.size).toBe(approvers.length);
    expect(people.size).toBeGreaterThanOrEqual(quorum);
    expect(approvers.every((name) => ELIGIBLE.has(name) && !REQUESTER_PERSONS.has(name) && !REQUESTER_PERSONS.has(PERSON[name]!))).toBe(
      true,
    );
    expect(Date.parse(event.data.approvedAt)).toBeLessThan(Date.parse(at(DEADLINE_MINUTE)));
    // Every credited vote was a real approval of the right digest.
    for (const approver of event.data.approvers) {
      const cast = commands.find((c): c is CastVote => c.type === 'CastVote' && c.voteId === approver.voteId);
      expect(cast && [cast.vote.decision, cast.vote.digest]).toStrictEqual(['approve', DIGEST]);
    }
  }
}

describe('approval properties', () => {
  it('approves at most once, only by a quorum of distinct eligible non-requesters, never after denial or expiry', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), fc.array(step, { maxLength: 30 }), (quorum, steps) => {
        checkInvariants(run(quorum, steps));
      }),
      { numRuns: 1000 },
    );
  });

  it('reaches every outcome in the generated runs, so the property is not vacuous', () => {
    const outcomes = new Set<string>();
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), fc.array(step, { maxLength: 30 }), (quorum, steps) => {
        run(quorum, steps).log.forEach(({ event }) => outcomes.add(event.type));
      }),
      { numRuns: 300, seed: 42 },
    );
    expect([...outcomes].filter((type) => RESOLUTIONS.includes(type)).sort()).toStrictEqual([...RESOLUTIONS].sort());
  });
});
