/** The retry schedule of a delivery: exponential backoff with jitter, then FAILED. */
export interface RetrySchedule {
  /** Attempts in all (the first one included). */
  maxAttempts: number;
  /** The delay before the first retry (ms); it doubles per attempt up to `capMs`. */
  baseMs: number;
  capMs: number;
}

/** The ceiling of the delay after attempt `attempt` (1-based) failed. */
export function ceilingAfter(attempt: number, schedule: RetrySchedule): number {
  return Math.min(schedule.capMs, schedule.baseMs * 2 ** Math.min(attempt - 1, 40));
}

/**
 * The delay before the next attempt, after attempt `attempt` failed; null: it was the last. The
 * jitter spreads each retry over the upper half of its ceiling ([d/2, d]): random enough that a
 * receiver coming back is not hit by every instance at once, and bounded below, so the schedule
 * spans a known minimum time (full jitter, [0, d], could retry everything within minutes).
 */
export function nextDelay(
  attempt: number,
  schedule: RetrySchedule,
  random: () => number = Math.random,
): number | null {
  if (attempt >= schedule.maxAttempts) return null;
  const ceiling = ceilingAfter(attempt, schedule);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** The shortest time from the first attempt to the last (every jitter at its lowest), ms. */
export function minimumSpan(schedule: RetrySchedule): number {
  let total = 0;
  for (let attempt = 1; attempt < schedule.maxAttempts; attempt++) {
    total += ceilingAfter(attempt, schedule) / 2;
  }
  return total;
}
