import { readAllHeaders, type EventStore, type StoredEvent } from './port';

const stored: StoredEvent = {
  id: 'f2a0c2a8-3f5e-4f0e-9d7c-1b2a3c4d5e6f',
  stream: 'execution-r1',
  revision: 0,
  position: 7,
  type: 'countersign.execution.started.v1',
  data: { secret: 'not for a scan' },
  metadata: { traceId: 'abc' },
  recordedAt: '2026-12-07T10:00:00.000Z',
};

describe('readAllHeaders', () => {
  it('falls back to readAll, with data, metadata and time dropped, for a store that cannot read less (KurrentDB)', async () => {
    const asked: Array<[number, number]> = [];
    const store = {
      readAll: (from: number, max: number) => {
        asked.push([from, max]);
        return Promise.resolve([stored]);
      },
    } as unknown as EventStore;

    expect(await readAllHeaders(store, 3, 50)).toStrictEqual([
      {
        id: stored.id,
        stream: 'execution-r1',
        revision: 0,
        position: 7,
        type: 'countersign.execution.started.v1',
      },
    ]);
    expect(asked).toEqual([[3, 50]]);
  });
});
