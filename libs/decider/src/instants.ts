/**
 * ISO-8601 arithmetic on instants that enter through commands. Nothing here reads the clock:
 * `new Date(ms)` only formats a number the caller already holds. One home for every decider.
 */
export const toMillis = (iso: string): number => Date.parse(iso);

export const toIso = (millis: number): string => new Date(millis).toISOString();

/** JWT NumericDates are whole seconds since the epoch. */
export const toSeconds = (iso: string): number => Math.floor(Date.parse(iso) / 1000);

/** JWT NumericDates are whole seconds, so credential bounds are rounded to seconds up front. */
export const floorToSecond = (millis: number): number => Math.floor(millis / 1000) * 1000;

export const addSeconds = (iso: string, seconds: number): string => toIso(Date.parse(iso) + seconds * 1000);

export const secondsBetween = (from: string, to: string): number => (Date.parse(to) - Date.parse(from)) / 1000;

export const earlier = (a: string, b: string): string => (Date.parse(a) <= Date.parse(b) ? a : b);

export const later = (a: string, b: string): string => (Date.parse(a) >= Date.parse(b) ? a : b);

/** Whether `now` has reached `deadline` (a deadline is inclusive: at expiresAt it has expired). */
export const hasReached = (now: string, deadline: string): boolean => Date.parse(now) >= Date.parse(deadline);
