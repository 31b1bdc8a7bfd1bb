import { ceilingAfter, minimumSpan, nextDelay, RetrySchedule } from './retry-schedule';

const DEFAULTS: RetrySchedule = { maxAttempts: 35, baseMs: 5000, capMs: 7_200_000 };

describe('the webhook retry schedule', () => {
  it('with the defaults, retries for at least 24 hours even with the shortest jitter', () => {
    expect(minimumSpan(DEFAULTS)).toBeGreaterThanOrEqual(24 * 3600 * 1000);
    // and not absurdly longer: every delay at its ceiling, about two days
    expect(minimumSpan(DEFAULTS) * 2).toBeLessThan(50 * 3600 * 1000);
  });

  it('doubles from the base up to the cap', () => {
    expect([1, 2, 3, 4].map((n) => ceilingAfter(n, DEFAULTS))).toEqual([5000, 10000, 20000, 40000]);
    expect(ceilingAfter(12, DEFAULTS)).toBe(7_200_000);
    expect(ceilingAfter(1000, DEFAULTS)).toBe(7_200_000);
  });

  it('jitters within the upper half of the ceiling', () => {
    expect(nextDelay(3, DEFAULTS, () => 0)).toBe(10000);
    expect(nextDelay(3, DEFAULTS, () => 0.999999)).toBe(20000);
    const delays = Array.from({ length: 200 }, () => nextDelay(3, DEFAULTS)!);
    expect(new Set(delays).size).toBeGreaterThan(50);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(10000);
    expect(Math.max(...delays)).toBeLessThanOrEqual(20000);
  });

  it('stops at the last attempt', () => {
    expect(nextDelay(34, DEFAULTS)).not.toBeNull();
    expect(nextDelay(35, DEFAULTS)).toBeNull();
    expect(nextDelay(1, { ...DEFAULTS, maxAttempts: 1 })).toBeNull();
  });
});
