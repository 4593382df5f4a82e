import { deterministicId, EventTypes } from '@countersign/contracts';
import { fold } from '@countersign/decider';
import { auditLogDecider, type AuditLogEvent, type AuditLogState } from './audit-log';
import { auditLogSnapshots } from './audit-log.snapshot';
import { checkpointOf } from './checkpoint';
import { appendRecord, GENESIS } from './hash-chain';
import { recentCount } from './recent-ids';
import { fullChain } from './testing/custody.fixtures';

const RECORDED_AT = '2026-12-07T10:00:00.000Z';
const { submitted } = fullChain();

/** The log's events for `count` distinct envelopes, with a checkpoint after the first 700 records. */
function logOf(count: number): AuditLogEvent[] {
  const events: AuditLogEvent[] = [];
  let head = GENESIS;
  for (let index = 0; index < count; index += 1) {
    const envelope = { ...submitted, id: deterministicId(submitted.id, `copy-${index}`) };
    const data = appendRecord(head, envelope, RECORDED_AT);
    head = { sequence: data.sequence, hash: data.hash };
    events.push({ type: EventTypes.AuditRecord, id: deterministicId(envelope.id, 'audit.record'), data });
    if (index === 699) events.push(checkpointOf(fold(auditLogDecider, events).tree, head.hash, RECORDED_AT));
  }
  return events;
}

/** Through JSON text, as the store keeps it. */
const roundTrip = (state: AuditLogState) => auditLogSnapshots.decode(JSON.parse(JSON.stringify(auditLogSnapshots.encode(state))));

describe('auditLogSnapshots', () => {
  const state = fold(auditLogDecider, logOf(1_100));

  it('gives back the very state it wrote: head, recent ids, Merkle frontier and last checkpoint', () => {
    expect(recentCount(state.recent)).toBeGreaterThan(960);
    expect(state.lastCheckpoint?.treeSize).toBe(700);
    expect(roundTrip(state)).toEqual(state);
    expect(roundTrip(fold(auditLogDecider, []))).toEqual(fold(auditLogDecider, []));
  });

  it('decides the next record on a restored state exactly as on the folded one', () => {
    const next = {
      type: 'RecordEvent' as const,
      envelope: { ...submitted, id: deterministicId(submitted.id, 'next') },
      recordedAt: RECORDED_AT,
    };
    expect(auditLogDecider.decide(next, roundTrip(state)!)).toEqual(auditLogDecider.decide(next, state));
  });

  it('refuses a state it would not have written, so the log is folded whole', () => {
    interface Encoded {
      head: { hash: string; sequence: number };
      tree: { size: number };
      lastCheckpoint?: { treeSize: number; at: string };
      recent: { sealed: string[][]; open: string[] };
      extra?: boolean;
    }
    const encoded = JSON.parse(JSON.stringify(auditLogSnapshots.encode(state))) as Encoded;
    const ids = Array.from({ length: 64 }, (_, n) => `id-${n}`);
    const refused = (change: (copy: Encoded) => void) => {
      const copy = structuredClone(encoded);
      change(copy);
      return auditLogSnapshots.decode(copy);
    };
    expect(refused(() => undefined)).toEqual(state);
    expect(refused((copy) => (copy.tree.size += 1))).toBeUndefined(); // hashes no longer one per set bit
    expect(refused((copy) => (copy.lastCheckpoint = { treeSize: copy.tree.size + 1, at: RECORDED_AT }))).toBeUndefined();
    expect(refused((copy) => (copy.head.hash = 'not a hash'))).toBeUndefined();
    expect(refused((copy) => void copy.recent.sealed.push(ids))).toBeUndefined(); // more than 15 sealed chunks
    expect(refused((copy) => void copy.recent.open.push(...ids))).toBeUndefined(); // an open chunk of 64 or more
    expect(refused((copy) => (copy.extra = true))).toBeUndefined();
    expect(refused((copy) => (copy.lastCheckpoint = { treeSize: 1, at: 'tomorrow' }))).toBeUndefined();
    expect(auditLogSnapshots.decode({})).toBeUndefined();
  });
});
