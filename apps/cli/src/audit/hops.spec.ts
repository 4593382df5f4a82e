import type { AuditRecordV1 } from '@countersign/contracts';
import { chainRecords, executedRequestStory, memoryIdentities, toJsonLines } from '../testing/story';
import { entriesForRequest, examineEntries, parseJsonLines, type ExaminedEntry } from './entries';
import { formatDuration, formatHops, hopsOf } from './hops';

const { trust, signerFor } = memoryIdentities();
const MINUTE = 60_000;

describe('status --timeline hops', () => {
  const story = executedRequestStory(signerFor);
  const entries = entriesForRequest(
    examineEntries(parseJsonLines(toJsonLines(chainRecords(story.envelopes)), 'records.jsonl'), trust),
    story.requestId,
  );

  it('gives each hop its time since the start and its duration from the event before it', () => {
    const hops = hopsOf(entries);
    expect(hops).toHaveLength(story.envelopes.length);
    expect(hops[0]).toMatchObject({ sinceStartMs: 0, auditedAfterMs: 0 });
    expect(hops[0]).not.toHaveProperty('hopMs');
    expect(hops[1]).toMatchObject({ type: story.envelopes[1]!.type, sinceStartMs: MINUTE, hopMs: MINUTE });
    expect(hops[1]!.after).toMatchObject({ eventId: story.envelopes[0]!.id, signer: 'requester:deploy-bot' });
  });

  it('measures a hop from the event it answered (causationid), not from whichever came just before', () => {
    const at = (second: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString();
    const entry = (sequence: number, id: string, type: string, second: number, causationid?: string, recordedSecond = second) =>
      ({
        origin: `records.jsonl:${sequence}`,
        record: {},
        parsed: {
          sequence,
          previousHash: '',
          hash: '',
          recordedAt: at(recordedSecond),
          event: { id, type, signer: 'service:x', time: at(second), ...(causationid ? { causationid } : {}) },
        },
      }) as ExaminedEntry & { parsed: AuditRecordV1 };
    const hops = hopsOf([
      entry(1, 'a', 'countersign.request.accepted.v1', 0),
      entry(2, 'b', 'countersign.approval.requested.v1', 2, 'a'),
      entry(3, 'c', 'countersign.credential.refused.v1', 3, 'a', 5),
    ]);
    expect(hops.map((hop) => [hop.eventId, hop.after?.eventId, hop.hopMs, hop.auditedAfterMs])).toEqual([
      ['a', undefined, undefined, 0],
      ['b', 'a', 2_000, 0],
      ['c', 'a', 3_000, 2_000],
    ]);
    const printed = formatHops('r-1', hops);
    expect(printed[0]).toBe('request r-1: 3 hops in 3.000s');
    expect(printed[3]).toContain('+3.000s after request.accepted');
    expect(printed[3]).toContain('audited +2.000s');
  });

  it('prints durations short', () => {
    expect([formatDuration(87), formatDuration(1_234), formatDuration(123_000)]).toEqual(['87ms', '1.234s', '2m03s']);
  });
});
