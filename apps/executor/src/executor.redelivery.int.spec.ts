import { EventTypes } from '@countersign/contracts';
import { decideEvidence, evidenceDecider, EvidenceRecordedType } from '@countersign/executor-domain';
import type { StoredEvent } from '@countersign/event-store';
import { comparable, describeRedelivery, type RecordedMessage } from '@countersign/stack/redelivery';
import { ExecutorModule } from './executor.module';
import { recordingTarget } from './testing/recording-target';

/**
 * A claim's id is random by design (two racing claims must never share event ids), and the
 * execution events' ids, causation and signatures derive from it: two runs agree on the rest. The
 * link that completes the chain is not recorded as evidence (the claim decided with it is), so
 * which links are is the arrival order itself, and differs between runs.
 */
function withoutClaimId(event: StoredEvent) {
  if (event.type === EvidenceRecordedType) return undefined;
  const stored = comparable(event);
  if (!event.stream.startsWith('execution-')) return stored;
  return { ...stored, id: 'claim', data: { ...(stored.data as object), id: 'claim', causationid: 'claim', signature: 'claim' } };
}

/**
 * What `withoutClaimId` leaves out is still checked in every run: each recorded link is exactly the
 * record of a delivered link, none twice, and every link of the chain is recorded but one (the one
 * that completed it, which the claim decided with it stands for).
 */
function linksRecordedButTheCompletingOne(events: StoredEvent[], inbound: readonly RecordedMessage[]) {
  const expected = new Map<string, unknown>();
  for (const { envelope } of inbound)
    for (const event of decideEvidence({ type: 'RecordEvidence', envelope }, evidenceDecider.initialState()))
      expected.set(event.id, event.data);
  const recorded = events.filter((event) => event.type === EvidenceRecordedType);
  for (const event of recorded) expect(event.data).toEqual(expected.get(event.id));
  expect(new Set(recorded.map((event) => event.id)).size).toBe(recorded.length);
  expect(recorded).toHaveLength(expected.size - 1);
}

const executor = {
  service: { service: 'executor' as const, module: ExecutorModule.register },
  effects: recordingTarget,
  normalize: withoutClaimId,
  check: linksRecordedButTheCompletingOne,
};

describeRedelivery(executor, 'calls the target exactly once, as one in-order delivery does', (once) => {
  expect(once.effects).toHaveLength(1);
  expect(JSON.parse(once.effects[0]!)).toMatchObject({ method: 'POST', url: '/deploy' });
  const types = once.raw.filter((event) => event.stream.startsWith('execution-')).map((event) => event.type);
  expect(types).toEqual([EventTypes.ExecutionStarted, EventTypes.ExecutionSucceeded]);
});
