import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { prepared, runPrepared } from '../database/prepared';

const TAKE_LEASE = prepared(
  'rate_limit_lease',
  `INSERT INTO rate_limits (key, window_start, count)
   SELECT k, to_timestamp(floor(extract(epoch FROM now()) / $3) * $3), n FROM unnest($1::text[], $2::int[]) AS t(k, n)
   ON CONFLICT (key) DO UPDATE SET
     count = CASE WHEN rate_limits.window_start >= EXCLUDED.window_start THEN rate_limits.count + EXCLUDED.count ELSE EXCLUDED.count END,
     window_start = GREATEST(rate_limits.window_start, EXCLUDED.window_start)
   RETURNING key, count, extract(epoch FROM window_start + make_interval(secs => $3) - now()) * 1000 AS left_ms`,
);

/** The rate-limit counters (keys are `{window}:key:{id}` or `{window}:ip:{tenant}:{ip}`). */
@Injectable()
export class RateLimitsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Adds each bucket's `ask` to its counter of the current window (a new window starts from it).
   * A statement of the previous window that takes the row lock after one of the next window
   * (`now()` is each statement's start) counts in the next window rather than moving it back:
   * never more admitted than the limit;
   * returns the counts after and the time left in the window. Straight on the pool, never in the
   * request's transaction: a counted request stays counted when the request's work rolls back.
   */
  takeLeases(
    buckets: { key: string; ask: number }[],
    windowSeconds: number,
  ): Promise<{ key: string; count: number; left_ms: string }[]> {
    return runPrepared(this.dataSource, TAKE_LEASE, [
      buckets.map((b) => b.key),
      buckets.map((b) => b.ask),
      windowSeconds,
    ]);
  }
}
