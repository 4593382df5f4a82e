import { EventTypes, deterministicId, type Envelope } from '@countersign/contracts';
import { DeciderSpecification } from '@countersign/decider/testing';
import { auditLogDecider, type AuditLogEvent } from './audit-log';
import { fullChain } from './custody.fixtures';
import { GENESIS, appendRecord, type ChainHead } from './hash-chain';
import { addRecent, emptyRecentIds, hasRecent } from './recent-ids';

const spec = DeciderSpecification(auditLogDecider);
const RECORDED_AT = '2026-11-21T10:01:00.000Z';
const { submitted, accepted, approved } = fullChain();

function recorded(envelope: Envelope, head: ChainHead): AuditLogEvent {
  return {
    type: EventTypes.AuditRecord,
    id: deterministicId(envelope.id, 'audit.record'),
    data: appendRecord(head, envelope, RECORDED_AT),
  };
}

const first = recorded(submitted, GENESIS);
const second = recorded(accepted, { sequence: 1, hash: first.data.hash });
const record = (envelope: Envelope) => ({ type: 'RecordEvent', envelope, recordedAt: RECORDED_AT }) as const;

describe('audit log decider', () => {
  describe('when the log is empty', () => {
    it('records the first event after the zero hash', () => {
      spec.given([]).when(record(submitted)).then([first]);
    });

    it('never chains an audit record itself', () => {
      spec
        .given([])
        .when(record({ ...submitted, type: EventTypes.AuditRecord }))
        .thenNothingHappened();
    });
  });

  describe('when events are recorded', () => {
    it('chains the next event onto the head', () => {
      spec.given([first]).when(record(accepted)).then([second]);
      spec
        .given([first, second])
        .when(record(approved))
        .then([recorded(approved, { sequence: 2, hash: second.data.hash })]);
    });

    it('records a redelivered event only once', () => {
      spec.given([first, second]).when(record(submitted)).thenNothingHappened();
    });
  });
});

describe('recent ids', () => {
  it('remembers at least the last 960 ids and at most 1024', () => {
    let recent = emptyRecentIds();
    for (let i = 0; i < 2000; i += 1) recent = addRecent(recent, `id-${i}`);
    expect(hasRecent(recent, 'id-1999')).toBe(true);
    expect(hasRecent(recent, 'id-1040')).toBe(true);
    expect(hasRecent(recent, 'id-0')).toBe(false);
    expect(recent.chunks.flat().length).toBeLessThanOrEqual(1024);
  });

  it('leaves the earlier state untouched when adding', () => {
    const before = addRecent(emptyRecentIds(), 'a');
    addRecent(before, 'b');
    expect(before.chunks).toStrictEqual([['a']]);
  });
});
