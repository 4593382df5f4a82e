import type { AuditRecordV1, Envelope } from '@countersign/contracts';
import { GENESIS, ZERO_HASH, appendRecord, recordHash, requestIdOf, verifyChain, type ChainHead } from './hash-chain';
import { REQUEST_ID, fullChain } from './testing/custody.fixtures';

const RECORDED_AT = '2026-11-21T10:01:00.000Z';

function chainOf(envelopes: readonly Envelope[]): AuditRecordV1[] {
  const records: AuditRecordV1[] = [];
  let head: ChainHead = GENESIS;
  for (const envelope of envelopes) {
    const record = appendRecord(head, envelope, RECORDED_AT);
    records.push(record);
    head = { sequence: record.sequence, hash: record.hash };
  }
  return records;
}

/** A bit flip at `position` of the UTF-8 bytes, decoded back (invalid UTF-8 becomes U+FFFD, still a change). */
function flipByte(text: string, position: number, bit: number): string {
  const bytes = Buffer.from(text, 'utf8');
  bytes[position] = bytes[position]! ^ (1 << bit);
  return bytes.toString('utf8');
}

/** Detected means: no longer JSON, or JSON that verifyChain rejects. */
function detected(serialized: string): boolean {
  let parsed: unknown;
  try {
    parsed = JSON.parse(serialized);
  } catch {
    return true;
  }
  return !Array.isArray(parsed) || !verifyChain(parsed).ok;
}

describe('audit hash chain', () => {
  const records = chainOf(Object.values(fullChain()));

  it('starts at sequence 1 after 64 zeros and hashes the record without its hash', () => {
    const [first] = records;
    expect(first).toMatchObject({ sequence: 1, previousHash: ZERO_HASH, recordedAt: RECORDED_AT, requestId: REQUEST_ID });
    const { hash, ...unhashed } = first!;
    expect(hash).toBe(recordHash(unhashed));
    expect(records[1]!.previousHash).toBe(hash);
  });

  it('keeps the whole signed envelope, so its signature can be re-verified offline', () => {
    expect(records[0]!.event).toStrictEqual(fullChain().submitted);
  });

  it('takes the request id from the data, else the correlation id, else none', () => {
    const { submitted } = fullChain();
    expect(requestIdOf({ ...submitted, data: {} })).toBe(REQUEST_ID);
    expect(requestIdOf({ ...submitted, data: {}, correlationid: 'not-a-uuid' })).toBeUndefined();
  });

  it('verifies the untouched chain and reports its head', () => {
    expect(verifyChain(records)).toStrictEqual({ ok: true, count: records.length, head: { sequence: 8, hash: records[7]!.hash } });
    expect(detected(JSON.stringify(records))).toBe(false);
  });

  it('detects a removed, a reordered and a relinked record', () => {
    expect(verifyChain([records[0], records[2]])).toMatchObject({ ok: false, code: 'sequence_gap', index: 1 });
    expect(verifyChain([records[1], records[0]])).toMatchObject({ ok: false, code: 'sequence_gap', index: 0 });
    expect(verifyChain([records[0], { ...records[1]!, previousHash: ZERO_HASH }])).toMatchObject({
      ok: false,
      code: 'broken_link',
      index: 1,
    });
    expect(verifyChain([{ ...records[0]!, recordedAt: '2026-11-21T10:02:00.000Z' }])).toMatchObject({
      ok: false,
      code: 'hash_mismatch',
      index: 0,
    });
    expect(verifyChain([{ ...records[0]!, hash: 'nope' }])).toMatchObject({ ok: false, code: 'malformed', index: 0 });
  });

  it('detects a change to any single byte of the serialized chain', () => {
    const serialized = JSON.stringify(records);
    const length = Buffer.byteLength(serialized, 'utf8');
    // 400 positions spread over the whole text by a stride coprime with its length, deterministic.
    const stride = [7919, 7907, 7901, 7883].find((prime) => length % prime !== 0)!;
    const positions = Array.from({ length: 400 }, (_, i) => (i * stride) % length);
    const undetected = positions.filter((position, i) => !detected(flipByte(serialized, position, i % 7)));
    expect(new Set(positions).size).toBe(400);
    expect(undetected).toStrictEqual([]);
  });
});
