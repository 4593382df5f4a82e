/** ISO-8601 arithmetic on instants handed in by the command; nothing here reads the clock. */
export function addSeconds(iso: string, seconds: number): string {
  return new Date(Date.parse(iso) + seconds * 1000).toISOString();
}

export function earlier(a: string, b: string): string {
  return Date.parse(a) <= Date.parse(b) ? a : b;
}

export function later(a: string, b: string): string {
  return Date.parse(a) >= Date.parse(b) ? a : b;
}

/** Whether `now` has reached `deadline` (a deadline is inclusive: at expiresAt it has expired). */
export function hasReached(now: string, deadline: string): boolean {
  return Date.parse(now) >= Date.parse(deadline);
}
