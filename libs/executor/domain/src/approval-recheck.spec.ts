import { EventTypes, deterministicId } from '@countersign/contracts';
import { fixtureDecision } from '@countersign/approval-evidence/testing';
import { FIXTURE_SUBMISSION_ID, fixtureSubmission } from '@countersign/contracts/testing';
import { DeciderSpecification } from '@countersign/decider/testing';
import { checkChain } from './chain-check';
import type { ExecutionRefusalCode } from './chain.types';
import { CLAIM_ID, NOW, REQUEST_ID, approved, evidence, input } from './testing/chain.fixtures';
import { executionDecider } from './execution.decide';
import type { ExecutionEvent } from './execution.events';

const spec = DeciderSpecification(executionDecider);
const facts = input().approvalFacts;

const refused = (code: ExecutionRefusalCode, message: string): ExecutionEvent => ({
  type: EventTypes.ExecutionRefused,
  id: deterministicId(CLAIM_ID, 'execution.refused'),
  data: { requestId: REQUEST_ID, code, message, refusedAt: NOW },
});

const claimOn = (check: ReturnType<typeof checkChain>) =>
  ({ type: 'ClaimExecution', requestId: REQUEST_ID, claimId: CLAIM_ID, now: NOW, check }) as const;

describe('the executor refuses to run what does not re-check against the pinned policy', () => {
  it('refuses a complete, validly signed chain whose approval carries no votes', () => {
    const check = checkChain(evidence(), input({ approvalFacts: { ...facts, votes: [] } }));
    spec
      .given([])
      .when(claimOn(check))
      .then([refused('quorum_unproven', `the approval carries no vote ${approved().data.approvers[0]!.voteId} for approver:alice`)]);
  });

  it('refuses an approval under another policy version than the pinned one', () => {
    const pinned = fixtureDecision({ stamp: { ...facts.decision.stamp, version: `sha256:${'cd'.repeat(32)}` } });
    const check = checkChain(evidence(), input({ approvalFacts: { ...facts, decision: pinned } }));
    spec
      .given([])
      .when(claimOn(check))
      .then([
        refused('policy_mismatch', `approved under policy sha256:${'ab'.repeat(32)}, but the pinned policy is sha256:${'cd'.repeat(32)}`),
      ]);
  });

  it('refuses a chain whose accepted request its own target registry contradicts, however well approved', () => {
    const problem = 'the accepted request mislabels demo-target: ownerTeam payments (registry: billing)';
    const check = checkChain(evidence(), input({ approvalFacts: { ...facts, registry: { ok: false, problem } } }));
    spec
      .given([])
      .when(claimOn(check))
      .then([refused('registry_mismatch', problem)]);
  });

  it('refuses a chain whose accepted request its requester never signed, however well approved', () => {
    const none = { ok: false as const, problem: 'the accepted request carries no submission' };
    const check = checkChain(evidence(), input({ approvalFacts: { ...facts, submission: none } }));
    spec
      .given([])
      .when(claimOn(check))
      .then([refused('submission_unproven', 'the submission does not verify: the accepted request carries no submission')]);
  });

  it('refuses a chain whose carried submission asks for another action', () => {
    const other = fixtureSubmission({ action: { ...fixtureSubmission().data.action, parameters: { method: 'POST', path: '/other' } } });
    const check = checkChain(evidence(), input({ approvalFacts: { ...facts, submission: { ok: true, submission: other } } }));
    spec
      .given([])
      .when(claimOn(check))
      .then([refused('submission_unproven', `submission ${FIXTURE_SUBMISSION_ID} asks for another action (parameters differ)`)]);
  });
});
