import { warnUnreadable, type UnreadableEvent, type UnreadableEventReporter } from './port';

/** Enough to remember every unreadable event a store is likely to meet; older ones may repeat. */
const REMEMBERED = 1_024;

/**
 * Reports each skipped event once per store handle, so a reader that pages over it again (a
 * caller re-reading from an earlier position) does not repeat the warning every time.
 */
export function reportOnce(reporter: UnreadableEventReporter = warnUnreadable): UnreadableEventReporter {
  const seen = new Set<string>();
  return (event: UnreadableEvent) => {
    const key = `${event.position}:${event.id}`;
    if (seen.has(key)) return;
    if (seen.size >= REMEMBERED) seen.clear();
    seen.add(key);
    reporter(event);
  };
}
