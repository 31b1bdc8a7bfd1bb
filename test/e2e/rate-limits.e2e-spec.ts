import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { RateLimiter } from '../../src/rate-limit/rate-limiter';
import { RateLimitsRepository } from '../../src/rate-limit/rate-limits.repository';
import { call, createKey, createTenant, expectStatus } from '../support/api';
import { expectProblem } from '../support/problem';
import { createTestApp, PLATFORM_KEY, TestApp } from '../support/test-app';
import { startInsideRateWindow } from '../support/rate-window';

describe('rate limits on ceremony and token routes', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    a = await createTestApp();
    b = await createTestApp({ database: a.database });
  });
  afterAll(async () => {
    await b.app.close();
    await a.close();
  });
  // every test counts a burst against a limit: its requests must fall in one window
  beforeEach(startInsideRateWindow, 15_000);

  async function tenantWithLimits(rateLimits: Record<string, number | null>) {
    const tenant = await createTenant(a.app);
    const res = await call(a.app, 'POST', `/api/identity-store/tenants/${tenant}`, {
      key: PLATFORM_KEY,
      body: { rateLimits },
    });
    expectStatus(res, 200);
    expect(res.json().rateLimits).toMatchObject(rateLimits);
    return tenant;
  }

  const issue = (app: TestApp, key: string) =>
    call(app.app, 'POST', '/api/identity-store/apiKeys/issue', { key });

  it('per API key, configurable per tenant, counted across instances: 429 with Retry-After and RateLimit headers', async () => {
    const tenant = await tenantWithLimits({ perApiKeyPerMinute: 3, perIpPerMinute: 0 });
    const key = (await createKey(a.app, tenant, [`TNT#${tenant}#IdentityStore:*`])).key;
    const first = await issue(a, key);
    expectStatus(first, 201);
    expect(first.headers).toMatchObject({ 'ratelimit-limit': '3', 'ratelimit-remaining': '2' });
    expectStatus(await issue(b, key), 201);
    expectStatus(await issue(a, key), 201);
    const limited = await issue(b, key);
    expectProblem(limited, 429, 'RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.headers).toMatchObject({ 'ratelimit-limit': '3', 'ratelimit-remaining': '0' });
    // another key of the same tenant has its own budget
    const other = (await createKey(a.app, tenant, [])).key;
    expectStatus(await issue(a, other), 201);
  });

  it('per client IP, across the keys of a tenant', async () => {
    const tenant = await tenantWithLimits({ perApiKeyPerMinute: 0, perIpPerMinute: 2 });
    const k1 = (await createKey(a.app, tenant, [])).key;
    const k2 = (await createKey(a.app, tenant, [])).key;
    expectStatus(await issue(a, k1), 201);
    expectStatus(await issue(b, k2), 201);
    expectProblem(await issue(a, k2), 429, 'RATE_LIMITED');
  });

  it('ceremony routes are limited too; management routes are not', async () => {
    const tenant = await tenantWithLimits({ perApiKeyPerMinute: 1, perIpPerMinute: null });
    const key = (await createKey(a.app, tenant, [`TNT#${tenant}#IdentityStore:*`])).key;
    const start = () =>
      call(
        a.app,
        'POST',
        '/api/identity-store/stores/nope/passkeys/relyingParties/localhost/authentications/default',
        {
          key,
          body: {},
        },
      );
    expectProblem(await start(), 404, 'STORE_NOT_FOUND'); // counted, then answered
    expectProblem(await start(), 429, 'RATE_LIMITED');
    for (let i = 0; i < 3; i++)
      expectStatus(await call(a.app, 'GET', '/api/identity-store/limits', { key }), 200);
  });

  describe('leases: a busy key does not write its counter on every request', () => {
    /**
     * Counts the statements sent to PostgreSQL by any path (a spy on node-postgres's client,
     * which still runs them); nothing else runs while a test counts.
     */
    function statements(): { count(): number; restore(): void } {
      const spy = jest.spyOn(Client.prototype, 'query');
      return { count: () => spy.mock.calls.length, restore: () => spy.mockRestore() };
    }
    const bucket = () => `test:${Math.random().toString(36).slice(2)}`;

    it('a lease of a window that ended, arriving after one of the next window, counts there and never moves the window back', async () => {
      const key = bucket();
      const ds = a.app.get(DataSource);
      // the next window's count, written first (its statement took the row lock first)
      await ds.query(
        `INSERT INTO rate_limits (key, window_start, count)
         VALUES ($1, to_timestamp(floor(extract(epoch FROM now()) / 60) * 60 + 60), 5)`,
        [key],
      );
      const [row] = await a.app.get(RateLimitsRepository).takeLeases([{ key, ask: 1 }], 60);
      expect(row.count).toBe(6);
      const [stored] = await ds.query(
        `SELECT count, window_start > now() AS ahead FROM rate_limits WHERE key = $1`,
        [key],
      );
      expect(stored).toEqual({ count: 6, ahead: true });
    });

    it('serves most requests of a high limit from leases, with the database count covering them', async () => {
      const limiter = a.app.get(RateLimiter);
      const key = bucket();
      const spy = statements();
      try {
        for (let i = 0; i < 300; i++)
          expect((await limiter.hit(key, 60_000, 60)).allowed).toBe(true);
        expect(spy.count()).toBeLessThan(20); // without leases: 300
      } finally {
        spy.restore();
      }
      const [row] = await a.app
        .get(DataSource)
        .query('SELECT count FROM rate_limits WHERE key = $1', [`60:${key}`]);
      expect(row.count).toBeGreaterThanOrEqual(300);
    });

    it('never admits more than the limit across instances, and wastes little of it', async () => {
      const key = bucket();
      const limiters = [a.app.get(RateLimiter), b.app.get(RateLimiter)];
      let allowed = 0;
      await Promise.all(
        Array.from({ length: 8 }, async (_, worker) => {
          for (let i = 0; i < 40; i++) {
            if ((await limiters[(worker + i) % 2].hit(key, 200, 60)).allowed) allowed++;
          }
        }),
      );
      expect(allowed).toBeLessThanOrEqual(200);
      expect(allowed).toBeGreaterThanOrEqual(190);
    });

    it('refuses past the limit without touching the database until the window ends', async () => {
      const limiter = a.app.get(RateLimiter);
      const key = bucket();
      for (let i = 0; i < 5; i++) await limiter.hit(key, 5, 60);
      const spy = statements();
      try {
        for (let i = 0; i < 50; i++) {
          const result = await limiter.hit(key, 5, 60);
          expect(result).toMatchObject({ allowed: false, remaining: 0 });
        }
        expect(spy.count()).toBe(0);
      } finally {
        spy.restore();
      }
      // a raised limit is a new budget: asked of the database again
      expect((await limiter.hit(key, 10, 60)).allowed).toBe(true);
    });
  });

  it('documents the limit in the OpenAPI document', async () => {
    const doc = (await a.app.inject({ method: 'GET', url: '/api/docs-json' })).json();
    const op = doc.paths['/api/identity-store/apiKeys/issue'].post;
    expect(op['x-rate-limited']).toBe(true);
    expect(op.responses['429']).toBeDefined();
  });
});
