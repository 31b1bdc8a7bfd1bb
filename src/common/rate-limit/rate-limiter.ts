import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DomainError, ErrorCode } from '../errors';

export interface RateLimitResult {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window resets. */
  resetSeconds: number;
}

/**
 * Fixed-window counters in PostgreSQL: one upsert per hit, so the limit holds across instances.
 */
@Injectable()
export class RateLimiter {
  constructor(private readonly dataSource: DataSource) {}

  async hit(key: string, limit: number, windowSeconds: number): Promise<RateLimitResult> {
    const [row] = (await this.dataSource.query(
      `INSERT INTO rate_limits (key, window_start, count)
       VALUES ($1, to_timestamp(floor(extract(epoch FROM now()) / $2) * $2), 1)
       ON CONFLICT (key) DO UPDATE SET
         count = CASE WHEN rate_limits.window_start = EXCLUDED.window_start THEN rate_limits.count + 1 ELSE 1 END,
         window_start = EXCLUDED.window_start
       RETURNING count, ceil(extract(epoch FROM window_start + make_interval(secs => $2) - now()))::int AS reset`,
      [key.slice(0, 200), windowSeconds],
    )) as { count: number; reset: number }[];
    return {
      allowed: row.count <= limit,
      limit,
      remaining: Math.max(0, limit - row.count),
      resetSeconds: Math.max(1, row.reset),
    };
  }

  /**
   * Several counters (e.g. per key and per IP) in one statement: one round trip per request.
   * Returns the most restrictive result; limits of 0 are not counted at all.
   */
  async hitAll(
    buckets: { key: string; limit: number }[],
    windowSeconds: number,
  ): Promise<RateLimitResult | undefined> {
    const active = buckets.filter((b) => b.limit > 0);
    if (active.length === 0) return undefined;
    const rows = (await this.dataSource.query(
      `INSERT INTO rate_limits (key, window_start, count)
       SELECT k, to_timestamp(floor(extract(epoch FROM now()) / $2) * $2), 1 FROM unnest($1::text[]) AS k
       ON CONFLICT (key) DO UPDATE SET
         count = CASE WHEN rate_limits.window_start = EXCLUDED.window_start THEN rate_limits.count + 1 ELSE 1 END,
         window_start = EXCLUDED.window_start
       RETURNING key, count, ceil(extract(epoch FROM window_start + make_interval(secs => $2) - now()))::int AS reset`,
      [active.map((b) => b.key.slice(0, 200)), windowSeconds],
    )) as { key: string; count: number; reset: number }[];
    let tightest: RateLimitResult | undefined;
    for (const row of rows) {
      const limit = active.find((b) => b.key.slice(0, 200) === row.key)!.limit;
      const result = {
        allowed: row.count <= limit,
        limit,
        remaining: Math.max(0, limit - row.count),
        resetSeconds: Math.max(1, row.reset),
      };
      if (
        !tightest ||
        (!result.allowed && tightest.allowed) ||
        (result.allowed === tightest.allowed && result.remaining < tightest.remaining)
      ) {
        tightest = result;
      }
    }
    return tightest;
  }

  /** Response headers of a limited route (draft IETF RateLimit fields plus Retry-After on 429). */
  static headers(result: RateLimitResult): Record<string, string> {
    return {
      'ratelimit-limit': String(result.limit),
      'ratelimit-remaining': String(result.remaining),
      'ratelimit-reset': String(result.resetSeconds),
      ...(result.allowed ? {} : { 'retry-after': String(result.resetSeconds) }),
    };
  }

  static exceeded(result: RateLimitResult): DomainError {
    return new DomainError(
      ErrorCode.RATE_LIMITED,
      `Too many requests; retry in ${result.resetSeconds} s`,
      {
        headers: RateLimiter.headers(result),
      },
    );
  }
}
