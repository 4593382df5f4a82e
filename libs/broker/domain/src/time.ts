/**
 * ISO-8601 arithmetic on instants that arrive in commands. Nothing here reads the clock:
 * `new Date(ms)` only formats a number the caller already holds.
 */
export const toMillis = (iso: string): number => Date.parse(iso);

export const toIso = (millis: number): string => new Date(millis).toISOString();

/** JWT NumericDates are whole seconds, so credential bounds are rounded to seconds up front. */
export const floorToSecond = (millis: number): number => Math.floor(millis / 1000) * 1000;
