import { deterministicId, EventTypes } from '@countersign/contracts';
import { factsFor, fixtureDecision } from '@countersign/approval-evidence/testing';
import { FIXTURE_SUBMISSION_ID, fixtureSubmission } from '@countersign/contracts/testing';
import { DeciderSpecification } from '@countersign/decider/testing';
import { credentialDecider } from './credential.decide';
import type { CredentialEvent, CredentialRefused } from './credential.events';
import { ACCEPTED_ID, APPROVAL_ID, NOW, REQUEST_ID, accepted, approval, issueCommand } from './testing/credential.fixtures';

const spec = DeciderSpecification(credentialDecider);
const recorded: CredentialEvent = {
  type: 'local.accepted.recorded',
  id: deterministicId(ACCEPTED_ID, 'broker.accepted.recorded'),
  data: { accepted: accepted() },
};

const refused = (code: CredentialRefused['data']['code'], message: string, at = NOW): CredentialRefused => ({
  type: EventTypes.CredentialRefused,
  id: deterministicId(APPROVAL_ID, 'credential.refused'),
  data: { requestId: REQUEST_ID, approvalEventId: APPROVAL_ID, code, message, refusedAt: at },
});

describe('the broker re-checks the approval against the pinned policy', () => {
  const genuine = approval();
  const alice = genuine.data.approvers[0]!;

  it('refuses a quorum approval that carries no votes', () => {
    spec
      .given([recorded])
      .when(issueCommand({ facts: { ...factsFor(genuine.data), votes: [] } }))
      .then([refused('quorum_unproven', `the approval carries no vote ${alice.voteId} for approver:alice`)]);
  });

  it('refuses a vote that does not verify against the broker’s trust store', () => {
    const forged = { ok: false as const, id: alice.voteId!, problem: 'bad_signature: signature does not verify' };
    spec
      .given([recorded])
      .when(issueCommand({ facts: { ...factsFor(genuine.data), votes: [forged] } }))
      .then([
        refused('quorum_unproven', `vote ${alice.voteId} for approver:alice does not verify: bad_signature: signature does not verify`),
      ]);
  });

  it('refuses too few approvers for the tier', () => {
    spec
      .given([recorded])
      .when(issueCommand({ facts: factsFor(genuine.data, { quorum: 2 }) }))
      .then([refused('quorum_unproven', 'tier one-approver needs 2 distinct approvers; the evidence proves 1')]);
  });

  it('refuses an approval claiming a tier the pinned policy does not route the request to', () => {
    const production = fixtureDecision({ stamp: { ...genuine.data.policy, tier: 'production-change' }, quorum: 2 });
    spec
      .given([recorded])
      .when(issueCommand({ facts: { ...factsFor(genuine.data), decision: production } }))
      .then([
        refused(
          'policy_mismatch',
          'the pinned policy prod-changes routes this request to tier production-change (quorum), not one-approver (quorum)',
        ),
      ]);
  });

  it('refuses even while the window has not opened yet: a failed re-check is final', () => {
    spec
      .given([recorded])
      .when(issueCommand({ now: '2026-11-21T09:58:00.000Z', facts: { ...factsFor(genuine.data), votes: [] } }))
      .then([refused('quorum_unproven', `the approval carries no vote ${alice.voteId} for approver:alice`, '2026-11-21T09:58:00.000Z')]);
  });

  it('refuses an approval of a request whose registry facts its own target registry does not give', () => {
    const problem = 'environment_mismatch: the target registry says demo-target is production, not staging';
    spec
      .given([recorded])
      .when(issueCommand({ facts: { ...factsFor(genuine.data), registry: { ok: false, problem } } }))
      .then([refused('registry_mismatch', problem)]);
  });

  it('refuses a genuinely approved request its requester never signed: no submission behind it', () => {
    const none = { ok: false as const, problem: 'the accepted request carries no submission' };
    spec
      .given([recorded])
      .when(issueCommand({ facts: { ...factsFor(genuine.data), submission: none } }))
      .then([refused('submission_unproven', 'the submission does not verify: the accepted request carries no submission')]);
  });

  it.each([
    [
      'another requester’s',
      fixtureSubmission({}, 'requester:other-bot'),
      `submission ${FIXTURE_SUBMISSION_ID} is signed by requester:other-bot, not requester:deploy-bot`,
    ],
    [
      'a genuine one of another path',
      fixtureSubmission({ action: { ...fixtureSubmission().data.action, parameters: { method: 'POST', path: '/other' } } }),
      `submission ${FIXTURE_SUBMISSION_ID} asks for another action (parameters differ)`,
    ],
  ])('refuses a request whose carried submission is %s', (_case, submission, message) => {
    spec
      .given([recorded])
      .when(issueCommand({ facts: { ...factsFor(genuine.data), submission: { ok: true, submission } } }))
      .then([refused('submission_unproven', message)]);
  });
});
