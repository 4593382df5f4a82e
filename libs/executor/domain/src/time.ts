/** Instants arrive in commands as ISO-8601 strings; nothing here reads the clock. */
export const toMillis = (iso: string): number => Date.parse(iso);

/** JWT NumericDates are whole seconds since the epoch. */
export const toSeconds = (iso: string): number => Math.floor(Date.parse(iso) / 1000);
