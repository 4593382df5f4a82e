import { EVENT_TYPES } from '@countersign/contracts';
import type { Schedule } from '../due-work';

/**
 * A schedule is read from its `types` only (DueWork narrows the store's subscription to them), so a
 * type its `change` answers but the list lacks is a deadline silently missed. This checks every
 * contract type and the given local ones outside the list: `change` must ignore each (given a
 * request id, so a schedule that reads it before the type still gets as far as the type).
 */
export function expectScheduleTypesComplete(schedule: Schedule, localTypes: readonly string[] = []): void {
  const listed = new Set(schedule.types);
  const outside = [...Object.keys(EVENT_TYPES), ...localTypes].filter((type) => !listed.has(type));
  const answered = outside.filter((type) => {
    try {
      return schedule.change({ id: 'event', type, data: { requestId: 'request' } }) !== undefined;
    } catch {
      return true;
    }
  });
  expect(answered).toEqual([]);
  expect(outside.length).toBeGreaterThan(0);
}
