import { EventTypes, canonicalJson, deterministicId, sha256Hex, type Envelope } from '@countersign/contracts';
import { DeciderSpecification } from '@countersign/decider/testing';
import { auditLogDecider, decideAuditLog, initialAuditLogState, type AuditLogEvent, type AuditRecorded } from './audit-log';
import { DIGEST, REQUEST_ID, fullChain } from './testing/custody.fixtures';
import { GENESIS, appendRecord, type ChainHead } from './hash-chain';
import { addRecent, emptyRecentIds, hasRecent, recentCount } from './recent-ids';

const spec = DeciderSpecification(auditLogDecider);
const RECORDED_AT = '2026-11-21T10:01:00.000Z';
const { submitted, accepted, approved } = fullChain();

function recorded(envelope: Envelope, head: ChainHead): AuditRecorded {
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
        .when(record(fullChain().issued))
        .then([recorded(fullChain().issued, { sequence: 2, hash: second.data.hash })]);
    });

    it('signs a receipt for an approval in the same append as its record, naming the record', () => {
      const third = recorded(approved, { sequence: 2, hash: second.data.hash });
      const receipt: AuditLogEvent = {
        type: EventTypes.AuditReceipt,
        id: deterministicId(approved.id, 'audit.receipt'),
        data: {
          requestId: REQUEST_ID,
          approvedEventId: approved.id,
          digest: DIGEST,
          evidenceHash: sha256Hex(canonicalJson(approved)),
          sequence: 3,
          recordHash: third.data.hash,
          recordedAt: RECORDED_AT,
        },
      };
      spec.given([first, second]).when(record(approved)).then([third, receipt]);
    });
    it('does not move the head for a receipt: the next record follows the approval record', () => {
      const third = recorded(approved, { sequence: 2, hash: second.data.hash });
      const [, receipt] = decideAuditLog(record(approved), { ...initialAuditLogState(), head: { sequence: 2, hash: second.data.hash } });
      const { issued } = fullChain();
      spec
        .given([first, second, third, receipt!])
        .when(record(issued))
        .then([recorded(issued, { sequence: 3, hash: third.data.hash })]);
    });
    it('records a redelivered approval only once, and signs no second receipt', () => {
      const third = recorded(approved, { sequence: 2, hash: second.data.hash });
      const [, receipt] = decideAuditLog(record(approved), { ...initialAuditLogState(), head: { sequence: 2, hash: second.data.hash } });
      spec.given([first, second, third, receipt!]).when(record(approved)).thenNothingHappened();
    });
    it('records a redelivered event only once', () => {
      spec.given([first, second]).when(record(submitted)).thenNothingHappened();
    });
  });
});

describe('recent ids', () => {
  it('remembers at least the last 960 ids and at most 1024', () => {
    let recent = emptyRecentIds();
    for (let i = 0; i < 2000; i += 1) {
      recent = addRecent(recent, `id-${i}`);
      expect(recentCount(recent)).toBeGreaterThanOrEqual(Math.min(i + 1, 960));
      expect(recentCount(recent)).toBeLessThanOrEqual(1024);
    }
    expect(hasRecent(recent, 'id-1999')).toBe(true);
    expect(hasRecent(recent, 'id-1040')).toBe(true);
    expect(hasRecent(recent, 'id-1984')).toBe(true);
    expect(hasRecent(recent, 'id-1983')).toBe(true);
    expect(hasRecent(recent, 'id-0')).toBe(false);
  });

  it('leaves the earlier state untouched when adding', () => {
    let before = emptyRecentIds();
    for (let i = 0; i < 63; i += 1) before = addRecent(before, `id-${i}`);
    const after = addRecent(before, 'id-63');
    expect(recentCount(before)).toBe(63);
    expect(hasRecent(before, 'id-63')).toBe(false);
    expect(hasRecent(after, 'id-63')).toBe(true);
    expect(hasRecent(addRecent(after, 'id-64'), 'id-0')).toBe(true);
    expect(recentCount(after)).toBe(64);
  });
});
