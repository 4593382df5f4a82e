import { randomUUID } from 'node:crypto';
import type { Envelope } from '@countersign/contracts';
import { fullChain, REQUEST_ID } from '@countersign/audit-domain/testing';
import { decodeCustodyIndex, emptyCustodyIndex, encodeCustodyIndex, RETIRED_MEMORY, type CustodyIndex } from './custody.index';

const OTHER_REQUEST = '20000000-0000-4000-8000-000000000009';
const UNKNOWN_REQUEST = '40000000-0000-4000-8000-000000000004';

/** An index with one open request (its links but the execution's) whose check is due, and two retired ones. */
function openIndex(): CustodyIndex {
  const index = emptyCustodyIndex();
  const { started: _started, succeeded: _succeeded, ...links } = fullChain();
  index.evidence.set(REQUEST_ID, new Map(Object.values(links).map((envelope) => [envelope.id, envelope])));
  index.checkBy.set(REQUEST_ID, Date.parse('2026-11-21T10:00:00.000Z'));
  index.retired.add(OTHER_REQUEST).add('30000000-0000-4000-8000-000000000001');
  return index;
}

/** The encoded index through JSON, as it is stored, changed by `change`. */
const stored = (change: (json: ReturnType<typeof encodeCustodyIndex>) => void = () => undefined): unknown => {
  const json = JSON.parse(JSON.stringify(encodeCustodyIndex(openIndex()))) as ReturnType<typeof encodeCustodyIndex>;
  change(json);
  return json;
};

describe("audit's custody index written down", () => {
  it('reads back as it was: evidence by request and id, checks, and retired requests in their order', () => {
    expect(decodeCustodyIndex(stored())).toEqual(openIndex());
    expect([...decodeCustodyIndex(stored())!.retired]).toEqual([...openIndex().retired]);
    expect(decodeCustodyIndex(JSON.parse(JSON.stringify(encodeCustodyIndex(emptyCustodyIndex()))))).toEqual(emptyCustodyIndex());
  });

  it.each<[string, (json: ReturnType<typeof encodeCustodyIndex>) => void]>([
    ['an envelope filed under another request', (json) => void (json.evidence[0]![0] = json.checkBy[0]![0] = UNKNOWN_REQUEST)],
    ['a request both open and retired', (json) => void json.retired.push(REQUEST_ID)],
    ['a request filed twice', (json) => void json.evidence.push(json.evidence[0]!)],
    ['a check for a request with no evidence', (json) => void json.checkBy.push([UNKNOWN_REQUEST, 0])],
    ['a check without a time', (json) => void (json.checkBy[0]![1] = null as unknown as number)],
    ['an envelope that is not one', (json) => void ((json.evidence[0]![1][0] as Partial<Envelope>).signature = undefined)],
    ['a request with no evidence listed', (json) => void (json.evidence[0]![1] = [])],
    [
      'more retired requests than are remembered',
      (json) => void json.retired.push(...Array.from({ length: RETIRED_MEMORY }, () => randomUUID())),
    ],
    ['a request key that is not a request id', (json) => void (json.retired[0] = 'r1')],
    ['another field', (json) => void Object.assign(json, { extra: true })],
  ])('is refused with %s', (_case, change) => {
    expect(decodeCustodyIndex(stored(change))).toBeUndefined();
  });
});
