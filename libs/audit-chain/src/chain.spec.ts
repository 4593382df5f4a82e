import { GENESIS, nextRecord, verifyChain, type ChainHead } from './index';

function buildChain(length: number) {
  const records = [];
  let head: ChainHead = GENESIS;
  for (let i = 0; i < length; i += 1) {
    const record = nextRecord(
      head,
      { id: `event-${i}`, type: 'countersign.request.accepted.v1', data: { n: i } },
      `2026-11-21T10:00:${String(i % 60).padStart(2, '0')}.000Z`,
    );
    records.push(record);
    head = { sequence: record.sequence, hash: record.hash };
  }
  return records;
}

describe('audit hash chain', () => {
  it('verifies an untouched chain', () => {
    expect(verifyChain(buildChain(20))).toMatchObject({ ok: true, count: 20 });
  });

  it('detects removal, insertion and reordering', () => {
    const chain = buildChain(5);
    expect(verifyChain([chain[0], chain[2], chain[3]])).toMatchObject({ ok: false, code: 'sequence_gap', index: 1 });
    expect(verifyChain([chain[1], chain[0]])).toMatchObject({ ok: false, index: 0 });
    expect(verifyChain([chain[0], { ...chain[0], sequence: 2 }])).toMatchObject({ ok: false, code: 'broken_link' });
  });

  it('detects every single-byte change of the serialized chain', () => {
    const text = JSON.stringify(buildChain(8));
    let undetected = 0;
    let checked = 0;
    for (let position = 0; position < text.length; position += 1) {
      const original = text.charCodeAt(position);
      const mutated = `${text.slice(0, position)}${String.fromCharCode(original === 0x61 ? 0x62 : 0x61)}${text.slice(position + 1)}`;
      let records: unknown;
      try {
        records = JSON.parse(mutated);
      } catch {
        continue; // unparseable input is rejected before verification
      }
      checked += 1;
      if (JSON.stringify(records) === text) continue;
      if (!Array.isArray(records) || verifyChain(records).ok) undetected += 1;
    }
    expect(checked).toBeGreaterThan(500);
    expect(undetected).toBe(0);
  });
});
