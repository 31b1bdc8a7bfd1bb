import { Injectable } from '@nestjs/common';
import { RateLimitsRepository } from './rate-limits.repository';
import { DomainError, ErrorCode } from '../common/errors';

export interface RateLimitResult {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window resets. */
  resetSeconds: number;
}

export interface Bucket {
  key: string;
  limit: number;
}

/** Requests of a bucket this instance has reserved in the database but not yet served. */
interface Lease {
  limit: number;
  windowEndsAt: number;
  tokens: number;
  /** The budget left in the database when the lease was taken (other instances' leases out). */
  remaining: number;
}

/** A lease is at most this share of the remaining budget, and at most MAX_LEASE requests. */
const LEASE_SHARE = 16;
const MAX_LEASE = 64;
const MAX_LEASES = 10_000;

/**
 * Fixed-window counters in PostgreSQL, so a limit holds across instances.
 *
 * A busy key would make its counter row the hottest row of the database (every request of every
 * instance updating it), so an instance reserves a slice of the remaining budget at once — a
 * lease of up to 1/16 of what is left, at most 64 requests — and serves it from memory. The
 * database count includes every lease, so the instances together never admit more than the
 * limit; near the limit leases shrink to one request, which is exact counting. Once the database
 * says the window is spent, the instance refuses until the window ends without writing (so a
 * flood past the limit costs nothing). A lease ends with its window; unspent requests of a lease
 * are simply not served (never over-admitted).
 */
@Injectable()
export class RateLimiter {
  private readonly leases = new Map<string, Lease>();

  constructor(private readonly repository: RateLimitsRepository) {}

  /**
   * Whether this instance already knows `key`'s window is spent (it refuses without a write until
   * the window ends): lets a caller skip work that would be refused anyway.
   */
  refusing(key: string, windowSeconds: number): boolean {
    const lease = this.leases.get(`${windowSeconds}:${key}`.slice(0, 200));
    return (
      !!lease && lease.windowEndsAt > Date.now() && lease.tokens === 0 && lease.remaining === 0
    );
  }

  hit(key: string, limit: number, windowSeconds: number): Promise<RateLimitResult> {
    return this.hitAll([{ key, limit }], windowSeconds) as Promise<RateLimitResult>;
  }

  /**
   * Several counters (e.g. per key and per IP), at most one round trip per request (none while
   * leases last). Returns the most restrictive result; limits of 0 are not counted at all.
   */
  async hitAll(buckets: Bucket[], windowSeconds: number): Promise<RateLimitResult | undefined> {
    const active = buckets
      .filter((b) => b.limit > 0)
      .map((b) => ({ key: `${windowSeconds}:${b.key}`.slice(0, 200), limit: b.limit }));
    if (active.length === 0) return undefined;
    const now = Date.now();
    const results: RateLimitResult[] = [];
    const missing: (Bucket & { ask: number })[] = [];
    for (const bucket of active) {
      const lease = this.leases.get(bucket.key);
      const current = lease && lease.limit === bucket.limit && lease.windowEndsAt > now;
      if (current && lease.tokens > 0) {
        lease.tokens--;
        results.push(this.result(lease, true, now));
      } else if (current && lease.remaining === 0) {
        // the window's budget is spent in the database and can only shrink: refuse without a write
        results.push(this.result(lease, false, now));
      } else {
        const ask = current
          ? Math.min(MAX_LEASE, Math.max(1, Math.floor(lease.remaining / LEASE_SHARE)))
          : 1;
        missing.push({ ...bucket, ask });
      }
    }
    if (missing.length > 0) results.push(...(await this.lease(missing, windowSeconds, now)));
    return results.reduce((tightest, r) =>
      (!r.allowed && tightest.allowed) ||
      (r.allowed === tightest.allowed && r.remaining < tightest.remaining)
        ? r
        : tightest,
    );
  }

  /** Takes a lease of `ask` requests per bucket in one statement; the request spends one. */
  private async lease(
    buckets: (Bucket & { ask: number })[],
    windowSeconds: number,
    now: number,
  ): Promise<RateLimitResult[]> {
    const rows = await this.repository.takeLeases(buckets, windowSeconds);
    if (this.leases.size > MAX_LEASES) this.sweep(now);
    return rows.map((row) => {
      const bucket = buckets.find((b) => b.key === row.key)!;
      const before = row.count - bucket.ask;
      const granted = Math.max(0, Math.min(bucket.ask, bucket.limit - before));
      const windowEndsAt = now + Number(row.left_ms);
      // concurrent requests of this instance may have leased in the same window: keep theirs too
      const earlier = this.leases.get(bucket.key);
      const kept =
        earlier &&
        earlier.limit === bucket.limit &&
        Math.abs(earlier.windowEndsAt - windowEndsAt) < 1000
          ? earlier.tokens
          : 0;
      const lease: Lease = {
        limit: bucket.limit,
        windowEndsAt,
        tokens: kept + Math.max(0, granted - 1),
        remaining: Math.max(0, bucket.limit - row.count),
      };
      this.leases.set(bucket.key, lease);
      return this.result(lease, granted > 0, now);
    });
  }

  private result(lease: Lease, allowed: boolean, now: number): RateLimitResult {
    return {
      allowed,
      limit: lease.limit,
      remaining: allowed ? lease.remaining + lease.tokens : 0,
      resetSeconds: Math.max(1, Math.ceil((lease.windowEndsAt - now) / 1000)),
    };
  }

  /** Drops ended leases; if that is not enough, all of them (their requests go unserved). */
  private sweep(now: number): void {
    for (const [key, lease] of this.leases) if (lease.windowEndsAt <= now) this.leases.delete(key);
    if (this.leases.size > MAX_LEASES) this.leases.clear();
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
