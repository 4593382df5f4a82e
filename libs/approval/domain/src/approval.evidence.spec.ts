import { EventTypes, deterministicId, type Envelope } from '@countersign/contracts';
import { fixtureEnvelope } from '@countersign/contracts/testing';
import { DeciderSpecification } from '@countersign/decider/testing';
import type { VoteKept } from './approval.events';
import { IdTags } from './approval.ids';
import { approvedEvent, approverOf, at, castVote, DIGEST, pending, recordedEvent, REQUEST_ID, voteId } from './testing/approval.fixtures';
import { approvalDecider } from './index';

const spec = DeciderSpecification(approvalDecider);

/** The envelope the shell verified and handed in: the decider only keeps it, never reads it. */
const envelopeOf = (n: number, voter: string): Envelope =>
  fixtureEnvelope({
    id: voteId(n),
    type: EventTypes.VoteCast,
    signer: `approver:${voter}`,
    time: at(n),
    data: { requestId: REQUEST_ID, digest: DIGEST, decision: 'approve' },
  });

const kept = (n: number, voter: string): VoteKept => ({
  id: deterministicId(voteId(n), IdTags.voteKept),
  type: 'approval.vote.kept',
  time: at(n),
  data: { requestId: REQUEST_ID, voteId: voteId(n), envelope: envelopeOf(n, voter) },
});

const withEvidence = (n: number, voter: string, decision: 'approve' | 'deny' = 'approve') =>
  castVote(n, voter, decision, { evidence: envelopeOf(n, voter) });

describe('approval keeps the signed votes as the evidence of its approval', () => {
  it('keeps an approving vote’s envelope locally while the quorum is not met', () => {
    spec
      .given(pending())
      .when(withEvidence(1, 'alice'))
      .then([recordedEvent(1, 'alice', 'approve', 1), kept(1, 'alice')]);
  });

  it('does not keep a deny: a deny needs no evidence to stop anything', () => {
    const denied = spec.given(pending()).when(withEvidence(1, 'alice', 'deny'));
    denied.then([
      recordedEvent(1, 'alice', 'deny', 0),
      {
        id: deterministicId(REQUEST_ID, IdTags.denied),
        type: EventTypes.RequestDenied,
        time: at(1),
        data: {
          requestId: REQUEST_ID,
          digest: DIGEST,
          requester: 'requester:payments-agent',
          deniedBy: 'approver:alice',
          policy: pending()[1]!.data.policy,
          deniedAt: at(1),
        },
      },
    ]);
  });

  it('attaches every vote that made the quorum to request.approved, in the order they were cast', () => {
    const approved = approvedEvent([approverOf(1, 'alice'), approverOf(2, 'bob')], { notBefore: at(2), notAfter: at(17) }, at(2));
    spec
      .given([...pending(), recordedEvent(1, 'alice', 'approve', 1), kept(1, 'alice')])
      .when(withEvidence(2, 'bob'))
      .then([
        recordedEvent(2, 'bob', 'approve', 2),
        kept(2, 'bob'),
        { ...approved, data: { ...approved.data, evidence: [envelopeOf(1, 'alice'), envelopeOf(2, 'bob')] } },
      ]);
  });
});
