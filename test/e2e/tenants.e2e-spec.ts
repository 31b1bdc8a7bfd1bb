import {
  call,
  createKey,
  createTenant,
  expectStatus,
  tenantWithAdmin,
  uniqueId,
} from '../support/api';
import { expectProblem } from '../support/problem';
import { Client } from 'pg';
import { createTestApp, createTestDatabase, PLATFORM_KEY, TestApp } from '../support/test-app';

describe('tenants', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('the platform key creates a tenant with default limits, reads, lists, updates and deletes it', async () => {
    const id = uniqueId('acme');
    const created = await call(t.app, 'POST', '/api/identity-store/tenants', {
      key: PLATFORM_KEY,
      body: { id, name: 'ACME' },
    });
    expectStatus(created, 201);
    expect(created.json()).toMatchObject({
      id,
      name: 'ACME',
      status: 'ACTIVE',
      limits: { maxStores: 10, maxUsers: 100000, maxPasskeysPerUser: 10 },
    });

    const got = await call(t.app, 'GET', `/api/identity-store/tenants/${id}`, {
      key: PLATFORM_KEY,
    });
    expect(got.json()).toEqual(created.json());

    const list = await call(t.app, 'GET', '/api/identity-store/tenants?size=100', {
      key: PLATFORM_KEY,
    });
    expect(list.json()).toMatchObject({ number: 0, size: 100, first: true, empty: false });
    expect(list.json().content.map((x: { id: string }) => x.id)).toContain(id);

    const updated = await call(t.app, 'POST', `/api/identity-store/tenants/${id}`, {
      key: PLATFORM_KEY,
      body: { name: 'ACME 2', limits: { maxStores: 3 } },
    });
    expectStatus(updated, 200);
    expect(updated.json()).toMatchObject({
      name: 'ACME 2',
      limits: { maxStores: 3, maxUsers: 100000, maxPasskeysPerUser: 10 },
    });

    expectStatus(
      await call(t.app, 'DELETE', `/api/identity-store/tenants/${id}`, { key: PLATFORM_KEY }),
      204,
    );
    expectProblem(
      await call(t.app, 'GET', `/api/identity-store/tenants/${id}`, { key: PLATFORM_KEY }),
      404,
      'TENANT_NOT_FOUND',
    );
  });

  /** Creating a tenant of a taken id: the 409 problem. */
  const createdAgain = async (id: string) =>
    expectProblem(
      await call(t.app, 'POST', '/api/identity-store/tenants', {
        key: PLATFORM_KEY,
        body: { id, name: 'x' },
      }),
      409,
      'TENANT_ALREADY_EXISTS',
    );

  it('refuses a duplicate id with 409 TENANT_ALREADY_EXISTS', async () => {
    const id = await createTenant(t.app);
    const body = await createdAgain(id);
    expect(body.errors).toEqual([
      expect.objectContaining({ field: 'id', message: 'already exists' }),
    ]);
  });

  it("a deleted tenant's id is not given again: its audit log is kept, and a new tenant would read it as its own", async () => {
    const id = await createTenant(t.app);
    const key = (await createKey(t.app, id, [`TNT#${id}#IdentityStore:*`])).key;
    expectStatus(
      await call(t.app, 'POST', '/api/identity-store/stores', { key, body: { name: 'old' } }),
      201,
    );
    expectStatus(
      await call(t.app, 'DELETE', `/api/identity-store/tenants/${id}`, { key: PLATFORM_KEY }),
      204,
    );
    const again = await createdAgain(id);
    expect(again.detail).toMatch(/deleted tenant/);
    // another id is taken as ever
    expectStatus(
      await call(t.app, 'POST', '/api/identity-store/tenants', {
        key: PLATFORM_KEY,
        body: { id: uniqueId('fresh'), name: 'someone else' },
      }),
      201,
    );
  });

  it.each([
    ['id', { id: 'Not_A_Slug', name: 'x' }],
    ['id', { id: 'a', name: 'x' }],
    ['id', { id: '-leading', name: 'x' }],
    ['id', { id: 'stores', name: 'x' }],
    ['name', { id: 'okay-id', name: '' }],
    ['limits.maxStores', { id: 'okay-id', name: 'x', limits: { maxStores: 0 } }],
    ['limits.maxUsers', { id: 'okay-id', name: 'x', limits: { maxUsers: 1.5 } }],
    [
      'limits.maxPasskeysPerUser',
      { id: 'okay-id', name: 'x', limits: { maxPasskeysPerUser: 1000 } },
    ],
  ])('rejects a bad %s', async (field, body) => {
    const problem = expectProblem(
      await call(t.app, 'POST', '/api/identity-store/tenants', { key: PLATFORM_KEY, body }),
      400,
      'VALIDATION_FAILED',
    );
    expect(problem.errors!.map((e) => e.field)).toContain(field);
  });

  it('rejects an unknown sort field, naming the query parameter', async () => {
    const problem = expectProblem(
      await call(t.app, 'GET', '/api/identity-store/tenants?sort=secret,asc', {
        key: PLATFORM_KEY,
      }),
      400,
      'VALIDATION_FAILED',
    );
    expect(problem.errors).toEqual([expect.objectContaining({ field: 'sort', in: 'query' })]);
  });

  it('a tenant key reads its own tenant but cannot change limits or see other tenants', async () => {
    const { tenant, admin } = await tenantWithAdmin(t.app);
    expectStatus(
      await call(t.app, 'GET', `/api/identity-store/tenants/${tenant}`, { key: admin.key }),
      200,
    );
    expectProblem(
      await call(t.app, 'POST', `/api/identity-store/tenants/${tenant}`, {
        key: admin.key,
        body: { limits: { maxStores: 10000 } },
      }),
      403,
      'PERMISSION_DENIED',
    );
    expectProblem(
      await call(t.app, 'GET', '/api/identity-store/tenants', { key: admin.key }),
      403,
      'PERMISSION_DENIED',
    );
  });

  it('the id "demo" is kept for the demo site, which never takes over a tenant it did not make', async () => {
    const refused = expectProblem(
      await call(t.app, 'POST', '/api/identity-store/tenants', {
        key: PLATFORM_KEY,
        body: { id: 'demo', name: 'A customer' },
      }),
      400,
      'VALIDATION_FAILED',
    );
    expect(refused.errors!.map((e) => e.field)).toEqual(['id']);
    // a customer's tenant "demo" from before the id was kept: the demo refuses to start
    const database = await createTestDatabase();
    const pg = new Client({ connectionString: database.url });
    await pg.connect();
    try {
      await pg.query(
        `INSERT INTO tenants (id, name, status, max_stores, max_users, max_passkeys_per_user)
         VALUES ('demo', 'A customer', 'ACTIVE', 1, 1, 1)`,
      );
      await expect(createTestApp({ database, config: { demoEnabled: true } })).rejects.toThrow(
        /a tenant "demo" exists that the demo did not make/,
      );
      const added = await pg.query(
        `SELECT (SELECT count(*) FROM api_keys WHERE tenant_id = 'demo') AS keys,
                (SELECT count(*) FROM stores WHERE tenant_id = 'demo') AS stores`,
      );
      expect(added.rows[0]).toEqual({ keys: '0', stores: '0' });
    } finally {
      await pg.end();
      await database.drop();
    }
  });

  it('the demo on loopback answers only requests addressed to loopback (no DNS rebinding)', async () => {
    const demo = await createTestApp({ config: { demoEnabled: true, host: '127.0.0.1' } });
    try {
      const ask = (host: string) =>
        demo.app.inject({ method: 'POST', url: '/demo/api/config', headers: { host } });
      for (const host of ['localhost:3000', '127.0.0.1:3000', '[::1]:3000', 'localhost']) {
        expect([host, (await ask(host)).statusCode]).toEqual([host, 200]);
      }
      // a page of evil.example whose name now points at 127.0.0.1 (found by review)
      const rebound = await ask('evil.example:3000');
      expectProblem(rebound, 403, 'PERMISSION_DENIED');
      expect(
        (await demo.app.inject({ method: 'GET', url: '/demo', headers: { host: 'evil.example' } }))
          .statusCode,
      ).toBe(403);
    } finally {
      await demo.close();
    }
  });

  it('suspending a tenant stops its keys; the platform still manages it', async () => {
    const { tenant, admin } = await tenantWithAdmin(t.app);
    expectStatus(
      await call(t.app, 'POST', `/api/identity-store/tenants/${tenant}`, {
        key: PLATFORM_KEY,
        body: { status: 'SUSPENDED' },
      }),
      200,
    );
    expectProblem(
      await call(t.app, 'GET', '/api/identity-store/apiKeys', { key: admin.key }),
      403,
      'TENANT_SUSPENDED',
    );
    // nor does it get a bearer token (it was a 201 whose token no route took: found by review)
    expectProblem(
      await call(t.app, 'POST', '/api/identity-store/apiKeys/issue', { key: admin.key }),
      403,
      'TENANT_SUSPENDED',
    );
    expectStatus(
      await call(t.app, 'GET', `/api/identity-store/tenants/${tenant}`, { key: PLATFORM_KEY }),
      200,
    );
  });

  it('deleting a tenant deletes its keys, which stop working', async () => {
    const { tenant, admin } = await tenantWithAdmin(t.app);
    expectStatus(
      await call(t.app, 'DELETE', `/api/identity-store/tenants/${tenant}`, { key: PLATFORM_KEY }),
      204,
    );
    expectProblem(
      await call(t.app, 'GET', '/api/identity-store/apiKeys', { key: admin.key }),
      401,
      'UNAUTHENTICATED',
    );
  });

  it('a platform key must name the target tenant with X-Tenant-Id on tenant routes', async () => {
    const problem = expectProblem(
      await call(t.app, 'GET', '/api/identity-store/apiKeys', { key: PLATFORM_KEY }),
      400,
      'VALIDATION_FAILED',
    );
    expect(problem.errors).toEqual([
      expect.objectContaining({ field: 'X-Tenant-Id', in: 'header' }),
    ]);
    expectProblem(
      await call(t.app, 'GET', '/api/identity-store/apiKeys', {
        key: PLATFORM_KEY,
        tenant: 'no-such-tenant',
      }),
      404,
      'TENANT_NOT_FOUND',
    );
  });

  it('a key with a specific permission gets exactly that operation', async () => {
    const tenant = await createTenant(t.app);
    const reader = await createKey(t.app, tenant, [`TNT#${tenant}#IdentityStore:getTenant`]);
    expectStatus(
      await call(t.app, 'GET', `/api/identity-store/tenants/${tenant}`, { key: reader.key }),
      200,
    );
    expectProblem(
      await call(t.app, 'GET', '/api/identity-store/apiKeys', { key: reader.key }),
      403,
      'PERMISSION_DENIED',
    );
  });
});
