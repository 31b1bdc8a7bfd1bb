import { call, createKey, expectStatus, tenantWithAdmin } from '../support/api';
import { createTestApp, PLATFORM_KEY, TestApp } from '../support/test-app';

describe('audit events', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  const events = async (key: string, query = '') => {
    const res = await call(t.app, 'GET', `/api/identity-store/auditEvents${query}`, { key });
    expectStatus(res, 200);
    return res.json();
  };

  it('records key lifecycle and denied permissions with actor, request id and IP', async () => {
    const { tenant, admin } = await tenantWithAdmin(t.app);
    const other = await createKey(t.app, tenant, []);
    await call(t.app, 'POST', `/api/identity-store/apiKeys/${other.id}`, {
      key: admin.key,
      body: { status: 'BLOCKED' },
    });
    await call(t.app, 'POST', `/api/identity-store/apiKeys/${other.id}`, {
      key: admin.key,
      body: { status: 'ACTIVE', name: 'renamed' },
    });
    const denied = await call(t.app, 'GET', '/api/identity-store/apiKeys', {
      key: other.key,
      headers: { 'x-request-id': 'probe-1' },
    });
    expect(denied.statusCode).toBe(403);
    await call(t.app, 'DELETE', `/api/identity-store/apiKeys/${other.id}`, { key: admin.key });

    const page = await events(admin.key, '?sort=occurredAt,asc&size=100');
    expect(page.content.map((e: { type: string }) => e.type)).toEqual([
      'TENANT_CREATED',
      'API_KEY_CREATED',
      'API_KEY_CREATED',
      'API_KEY_BLOCKED',
      'API_KEY_UPDATED',
      'PERMISSION_DENIED',
      'API_KEY_DELETED',
    ]);
    const deniedEvent = page.content.find((e: { type: string }) => e.type === 'PERMISSION_DENIED');
    expect(deniedEvent).toMatchObject({
      tenantId: tenant,
      actorKeyId: other.id,
      requestId: 'probe-1',
      ip: '127.0.0.1',
      details: { operation: 'listApiKeys', permission: `TNT#${tenant}#IdentityStore:listApiKeys` },
    });
    const blocked = page.content.find((e: { type: string }) => e.type === 'API_KEY_BLOCKED');
    expect(blocked).toMatchObject({ actorKeyId: admin.id, details: { keyId: other.id } });
  });

  it('filters by type and time and pages', async () => {
    const { tenant, admin } = await tenantWithAdmin(t.app);
    for (let i = 0; i < 3; i++) await createKey(t.app, tenant, []);
    const created = await events(admin.key, '?type=API_KEY_CREATED&size=2');
    expect(created).toMatchObject({
      totalElements: 4,
      totalPages: 2,
      size: 2,
      first: true,
      last: false,
    });
    expect(created.content.every((e: { type: string }) => e.type === 'API_KEY_CREATED')).toBe(true);
    const future = await events(admin.key, `?from=${new Date(Date.now() + 60_000).toISOString()}`);
    expect(future).toMatchObject({ totalElements: 0, empty: true });
    const bad = await call(t.app, 'GET', '/api/identity-store/auditEvents?type=NOPE', {
      key: admin.key,
    });
    expect(bad.statusCode).toBe(400);
  });

  it('a time filter with an offset PostgreSQL cannot read (beyond ±15:59) is a 400, not a 500', async () => {
    const { admin } = await tenantWithAdmin(t.app);
    for (const route of ['auditEvents', 'auditEvents/verify', 'auditEvents/export']) {
      for (const query of ['from=2026-01-01T00:00:00%2B16:00', 'to=2026-01-01T00:00:00-23:59']) {
        const res = await call(t.app, 'GET', `/api/identity-store/${route}?${query}`, {
          key: admin.key,
        });
        expect([route, query, res.statusCode, res.json().code]).toEqual([
          route,
          query,
          400,
          'VALIDATION_FAILED',
        ]);
      }
      const fine = await call(
        t.app,
        'GET',
        `/api/identity-store/${route}?from=2026-01-01T00:00:00%2B14:00`,
        { key: admin.key },
      );
      expect([route, fine.statusCode]).toEqual([route, 200]);
    }
  });

  it("the platform operator's address is not in the tenant's log (its key id is)", async () => {
    const { tenant, admin } = await tenantWithAdmin(t.app);
    expectStatus(
      await call(t.app, 'POST', `/api/identity-store/tenants/${tenant}`, {
        key: PLATFORM_KEY,
        body: { name: 'Renamed by the operator' },
      }),
      200,
    );
    const [updated] = (await events(admin.key, '?type=TENANT_UPDATED')).content;
    expect(updated).toMatchObject({ ip: null, actorKeyId: expect.any(String) });
    // the tenant's own calls keep theirs
    await call(t.app, 'POST', `/api/identity-store/apiKeys/${admin.id}`, {
      key: admin.key,
      body: { description: 'by the tenant' },
    });
    const [own] = (await events(admin.key, '?type=API_KEY_UPDATED')).content;
    expect(own.ip).toEqual(expect.any(String));
  });

  it('a tenant sees only its own events', async () => {
    const a = await tenantWithAdmin(t.app);
    const b = await tenantWithAdmin(t.app);
    const page = await events(b.admin.key, '?size=100');
    expect(JSON.stringify(page)).not.toContain(a.tenant);
    expect(JSON.stringify(page)).not.toContain(a.admin.id);
  });
});
