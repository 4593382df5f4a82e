import { randomUUID } from 'node:crypto';
import { EventTypes, EVENT_TYPES } from '@countersign/contracts';
import { EVENT_SEEN_TYPE } from '@countersign/messaging';
import { LOCAL_DEAD_LETTER_TYPE } from '../dead-letters';
import type { Schedule } from '../due-work';

const T = '2026-01-01T00:00:00.000Z';
const window = { notBefore: T, notAfter: T };

/**
 * Data with every field a schedule reads, whatever the event's type: a request id, deadlines,
 * an approval's window (also inside an envelope's data), a grant, an observed execution. With it,
 * a schedule answers for each type it handles, so a type it handles but does not list shows. A new
 * request id each time: a schedule that keeps state (custody retires a request once decided) must
 * not let one probe hide the next.
 */
const anyData = (requestId = randomUUID()) => ({
  requestId,
  mode: 'quorum',
  expiresAt: T,
  dueAt: T,
  escalatesAt: T,
  escalation: { escalatesAt: T },
  revokedAt: T,
  grant: { kind: 'kind', handle: 'handle' },
  window,
  data: { requestId, window },
  event: { id: 'observed', type: EventTypes.ExecutionSucceeded, time: T, data: { requestId } },
});

/**
 * A schedule is read from its `types` only (DueWork narrows the store's subscription to them), so a
 * type its `change` answers but the list lacks is a deadline silently missed. Given data with every
 * field a schedule reads, this checks that `change` answers for every listed type (so the data is
 * rich enough to tell) and ignores every other contract type, the types any service's store may
 * hold (the replay guard's markers on KurrentDB, dead letters) and the given local types.
 */
export function expectScheduleTypesComplete(schedule: Schedule, localTypes: readonly string[] = []): void {
  const listed = new Set(schedule.types);
  const answers = (type: string): boolean => {
    try {
      return schedule.change({ id: 'event', type, data: anyData() }) !== undefined;
    } catch {
      return true;
    }
  };
  const outside = [...Object.keys(EVENT_TYPES), EVENT_SEEN_TYPE, LOCAL_DEAD_LETTER_TYPE, ...localTypes].filter((type) => !listed.has(type));
  expect(schedule.types.filter((type) => !answers(type))).toEqual([]);
  expect(outside.filter(answers)).toEqual([]);
  expect(outside.length).toBeGreaterThan(0);
}
