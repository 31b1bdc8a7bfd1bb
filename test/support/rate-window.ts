/**
 * The rate limits' 60 s windows are wall-clock minutes (the database's epoch / 60 s): requests
 * across a window's end are counted in two windows. Waits, when this minute ends within 10 s,
 * until the next one has begun, so that a test's burst falls inside one window.
 */
export async function startInsideRateWindow(): Promise<void> {
  const intoWindow = Date.now() % 60_000;
  if (intoWindow > 50_000) await new Promise((r) => setTimeout(r, 60_500 - intoWindow));
}
