import { createTestApp, TestApp } from '../support/test-app';
import { PROBE_SECRET, ProbeModule } from '../support/probe.module';
import { expectProblem } from '../support/problem';

describe('foundation', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ modules: [ProbeModule], config: { bodyLimitBytes: 4096 } });
  });
  afterAll(() => t.close());

  describe('health', () => {
    it('is live', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/api/health/live' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ status: 'ok' });
    });

    it('is ready when the database answers', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/api/health/ready' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ status: 'ok', database: 'up' });
    });
  });

  describe('request id', () => {
    it('echoes a well-formed X-Request-Id', async () => {
      const res = await t.app.inject({
        method: 'GET',
        url: '/api/health/live',
        headers: { 'x-request-id': 'req-42.abc' },
      });
      expect(res.headers['x-request-id']).toBe('req-42.abc');
    });

    it('replaces a malformed one with a generated id', async () => {
      const res = await t.app.inject({
        method: 'GET',
        url: '/api/health/live',
        headers: { 'x-request-id': 'bad id <script>' },
      });
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('generates one when absent', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/api/health/live' });
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    });
  });

  describe('errors are problem+json', () => {
    const echo = (payload: unknown, headers: Record<string, string> = {}) =>
      t.app.inject({
        method: 'POST',
        url: '/api/probe/echo',
        headers: { 'content-type': 'application/json', ...headers },
        payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
      });

    it('accepts a valid body', async () => {
      const res = await echo({ name: 'x', count: 2, nested: { kind: 'a' } });
      expect(res.statusCode).toBe(201);
      expect(res.json()).toEqual({ name: 'x', count: 2, nested: { kind: 'a' } });
    });

    it('names every failing field, nested ones by their path', async () => {
      const body = expectProblem(
        await echo({ name: '', count: 0, nested: { kind: 'z' } }),
        400,
        'VALIDATION_FAILED',
      );
      const fields = body.errors!.map((e) => e.field).sort();
      expect(fields).toEqual(['count', 'name', 'nested.kind']);
      expect(body.errors!.every((e) => e.in === 'body')).toBe(true);
    });

    it('rejects unknown properties', async () => {
      const body = expectProblem(
        await echo({ name: 'x', count: 1, nested: { kind: 'a' }, admin: true }),
        400,
        'VALIDATION_FAILED',
      );
      expect(body.errors).toEqual([expect.objectContaining({ field: 'admin' })]);
    });

    it('rejects a body that is not an object', async () => {
      for (const payload of ['[]', '"text"', 'null', '42']) {
        const body = expectProblem(await echo(payload), 400, 'VALIDATION_FAILED');
        expect(body.errors![0].field).toBe('(root)');
      }
    });

    it('answers malformed JSON with 400 MALFORMED_REQUEST', async () => {
      expectProblem(await echo('{"name": '), 400, 'MALFORMED_REQUEST');
    });

    it('refuses a prototype-polluting body', async () => {
      const res = await echo('{"__proto__": {"admin": true}, "name": "x"}');
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
    });

    it('answers a wrong content type with 415', async () => {
      expectProblem(
        await echo('name=x', { 'content-type': 'text/plain' }),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      );
      expectProblem(
        await echo('name=x', { 'content-type': 'application/x-www-form-urlencoded' }),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      );
    });

    it('answers an oversized body with 413', async () => {
      const res = await echo({ name: 'x'.repeat(10_000), count: 1, nested: { kind: 'a' } });
      expectProblem(res, 413, 'PAYLOAD_TOO_LARGE');
    });

    it('answers an unknown route with 404 ROUTE_NOT_FOUND', async () => {
      const body = expectProblem(
        await t.app.inject({ method: 'GET', url: '/api/no/such/route?secret=1' }),
        404,
        'ROUTE_NOT_FOUND',
      );
      expect(body.instance).toBe('/api/no/such/route');
    });

    it('answers an unexpected error with 500 and no internals', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/api/probe/boom' });
      const body = expectProblem(res, 500, 'INTERNAL_ERROR');
      expect(res.body).not.toContain(PROBE_SECRET);
      expect(body.detail).toBe('An unexpected error occurred');
    });
  });

  describe('metrics', () => {
    it('exposes request counts per route pattern and the database pool', async () => {
      await t.app.inject({ method: 'GET', url: '/api/health/live' });
      const res = await t.app.inject({ method: 'GET', url: '/metrics' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      expect(res.body).toMatch(
        /http_requests_total\{method="GET",route="\/api\/health\/live",status="200"\} \d+/,
      );
      expect(res.body).toContain('http_request_duration_seconds_bucket');
      expect(res.body).toMatch(/db_pool_connections_total \d+/);
    });
  });

  describe('docs', () => {
    it('serves Swagger UI and the JSON document with both security schemes', async () => {
      const ui = await t.app.inject({ method: 'GET', url: '/api/docs' });
      expect(ui.statusCode).toBe(200);
      expect(ui.headers['content-type']).toMatch(/text\/html/);
      const doc = (await t.app.inject({ method: 'GET', url: '/api/docs-json' })).json();
      expect(doc.components.securitySchemes).toEqual({
        apiKey: { type: 'apiKey', in: 'header', name: 'X-Api-Key' },
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
      });
    });
  });
});

describe('readiness without a database', () => {
  it('answers 503 DATABASE_UNAVAILABLE when the database is gone', async () => {
    const t = await createTestApp();
    try {
      await t.database.drop(); // WITH (FORCE): kills the pool's connections
      const res = await t.app.inject({ method: 'GET', url: '/api/health/ready' });
      expectProblem(res, 503, 'DATABASE_UNAVAILABLE');
      const live = await t.app.inject({ method: 'GET', url: '/api/health/live' });
      expect(live.statusCode).toBe(200);
    } finally {
      await t.app.close();
    }
  });
});
