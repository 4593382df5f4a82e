import { EventTypes, deterministicId, type Envelope } from '@countersign/contracts';
import { fold } from '@countersign/decider';
import { DeciderSpecification } from '@countersign/decider/testing';
import { accepted, approved, issued } from './testing/chain.fixtures';
import { evidenceDecider, readyToExecute, type EvidenceEvent } from './evidence';

const spec = DeciderSpecification(evidenceDecider);

const recorded = (envelope: Envelope): EvidenceEvent => ({
  type: 'local.evidence.recorded',
  id: deterministicId(envelope.id, 'executor.evidence.recorded'),
  data: { envelope },
});

const links = [accepted(), approved(), issued()] as Envelope[];

describe('evidence decider', () => {
  describe('when nothing has arrived', () => {
    it.each(links.map((link) => [link.type, link] as const))('records %s first', (_type, link) => {
      spec
        .given([])
        .when({ type: 'RecordEvidence', envelope: link })
        .then([recorded(link)]);
    });

    it('records nothing for a type that is not part of the chain', () => {
      spec
        .given([])
        .when({ type: 'RecordEvidence', envelope: { ...accepted(), type: EventTypes.VoteCast } })
        .thenNothingHappened();
    });

    it('is not ready', () => {
      expect(readyToExecute(fold(evidenceDecider, []))).toBe(false);
    });
  });

  describe('when some links have arrived', () => {
    it('ignores a redelivered envelope', () => {
      spec
        .given([recorded(issued())])
        .when({ type: 'RecordEvidence', envelope: issued() })
        .thenNothingHappened();
    });

    it('records a second, different envelope of a kind, and keeps it only as a conflict', () => {
      const second = { ...approved(), id: 'e0e0e0e0-0000-4000-8000-000000000000' };
      spec
        .given([recorded(approved())])
        .when({ type: 'RecordEvidence', envelope: second })
        .then([recorded(second)]);
      const state = fold(evidenceDecider, [recorded(approved()), recorded(second)]);
      expect(state.approved?.id).toBe(approved().id);
      expect(state.conflicting).toStrictEqual([second.id]);
    });

    it('is not ready with two of three', () => {
      expect(readyToExecute(fold(evidenceDecider, [recorded(issued()), recorded(accepted())]))).toBe(false);
    });
  });

  describe('when all three links have arrived', () => {
    const orders = [
      [0, 1, 2],
      [2, 1, 0],
      [1, 2, 0],
      [2, 0, 1],
    ];

    it.each(orders)('is ready whatever the arrival order (%i, %i, %i)', (...order) => {
      const state = fold(
        evidenceDecider,
        order.map((index) => recorded(links[index]!)),
      );
      expect(readyToExecute(state)).toBe(true);
      expect([state.accepted?.id, state.approved?.id, state.issued?.id]).toStrictEqual(links.map((link) => link.id));
    });
  });
});
