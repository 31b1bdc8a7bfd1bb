import { createSign } from 'node:crypto';
import { Client } from 'pg';
import {
  call,
  createKey,
  expectStatus,
  issueToken,
  secretOf,
  tenantWithAdmin,
} from '../support/api';
import { keyPair } from '../support/key-pairs';
import { expectProblem } from '../support/problem';
import { createTestApp, PLATFORM_KEY, TestApp } from '../support/test-app';

describe('API keys', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  const keys = '/api/identity-store/apiKeys';

  it('creates a key whose secret is shown once, then lists, reads, updates and deletes it', async () => {
    const { tenant, admin } = await tenantWithAdmin(t.app);
    const created = await call(t.app, 'POST', keys, {
      key: admin.key,
      body: {
        name: 'svc',
        description: 'd',
        permissions: [`TNT#${tenant}#IdentityStore:getTenant`],
      },
    });
    expectStatus(created, 201);
    const body = created.json();
    expect(body.key).toMatch(/^idsk_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/);
    expect(body).toMatchObject({
      tenantId: tenant,
      name: 'svc',
      status: 'ACTIVE',
      hint: expect.stringMatching(/^idsk_/),
    });

    const got = await call(t.app, 'GET', `${keys}/${body.id}`, { key: admin.key });
    expect(got.json().key).toBeUndefined();
    expect(got.body).not.toContain(secretOf(body.key));

    const list = await call(t.app, 'GET', `${keys}?sort=name,asc`, { key: admin.key });
    expect(list.json().totalElements).toBe(2);
    expect(list.body).not.toContain('secret');

    const updated = await call(t.app, 'POST', `${keys}/${body.id}`, {
      key: admin.key,
      body: { name: 'svc2', description: null },
    });
    expect(updated.json()).toMatchObject({ name: 'svc2', description: null });

    expectStatus(await call(t.app, 'DELETE', `${keys}/${body.id}`, { key: admin.key }), 204);
    expectProblem(
      await call(t.app, 'GET', `${keys}/${body.id}`, { key: admin.key }),
      404,
      'API_KEY_NOT_FOUND',
    );
  });

  it('stores only a hash of the secret', async () => {
    const { tenant } = await tenantWithAdmin(t.app);
    const created = await createKey(t.app, tenant, []);
    const db = new Client({ connectionString: t.database.url });
    await db.connect();
    try {
      const { rows } = await db.query('SELECT * FROM api_keys WHERE id = $1', [created.id]);
      const dump = JSON.stringify(rows[0]) + rows[0].secret_hash.toString('hex');
      const secret = secretOf(created.key);
      expect(dump).not.toContain(secret);
      expect(dump).not.toContain(Buffer.from(secret, 'base64url').toString('hex'));
      expect(rows[0].secret_hash).toHaveLength(32);
    } finally {
      await db.end();
    }
  });

  describe('escalation', () => {
    it('a key cannot create a key with a permission it does not hold', async () => {
      const { tenant } = await tenantWithAdmin(t.app);
      const limited = await createKey(t.app, tenant, [
        `TNT#${tenant}#IdentityStore:createApiKey`,
        `TNT#${tenant}#IdentityStore:getTenant`,
      ]);
      expectStatus(
        await call(t.app, 'POST', keys, {
          key: limited.key,
          body: { name: 'ok', permissions: [`TNT#${tenant}#IdentityStore:getTenant`] },
        }),
        201,
      );
      for (const wanted of [
        `TNT#${tenant}#IdentityStore:*`,
        `TNT#${tenant}#IdentityStore:deleteApiKey`,
      ]) {
        expectProblem(
          await call(t.app, 'POST', keys, {
            key: limited.key,
            body: { name: 'x', permissions: [wanted] },
          }),
          403,
          'PERMISSION_ESCALATION',
        );
      }
    });

    it('a key cannot raise the permissions of an existing key beyond its own', async () => {
      const { tenant } = await tenantWithAdmin(t.app);
      const limited = await createKey(t.app, tenant, [
        `TNT#${tenant}#IdentityStore:updateApiKey`,
        `TNT#${tenant}#IdentityStore:getTenant`,
      ]);
      const victim = await createKey(t.app, tenant, []);
      expectProblem(
        await call(t.app, 'POST', `${keys}/${victim.id}`, {
          key: limited.key,
          body: { permissions: [`TNT#${tenant}#IdentityStore:*`] },
        }),
        403,
        'PERMISSION_ESCALATION',
      );
      // nor its own
      expectProblem(
        await call(t.app, 'POST', `${keys}/${limited.id}`, {
          key: limited.key,
          body: { permissions: [`TNT#${tenant}#IdentityStore:*`] },
        }),
        403,
        'PERMISSION_ESCALATION',
      );
    });

    it('a tenant key can never be given a permission on another tenant or the platform scope', async () => {
      const { tenant } = await tenantWithAdmin(t.app);
      for (const [i, wanted] of [
        'TNT#*#IdentityStore:getTenant',
        'TNT#other#IdentityStore:getTenant',
      ].entries()) {
        const problem = expectProblem(
          await call(t.app, 'POST', keys, {
            key: PLATFORM_KEY,
            tenant,
            body: { name: `x${i}`, permissions: [wanted] },
          }),
          400,
          'VALIDATION_FAILED',
        );
        expect(problem.errors).toEqual([expect.objectContaining({ field: 'permissions[0]' })]);
      }
    });

    it('rejects malformed permission strings and unknown operations, naming the index', async () => {
      const { tenant, admin } = await tenantWithAdmin(t.app);
      const problem = expectProblem(
        await call(t.app, 'POST', keys, {
          key: admin.key,
          body: {
            name: 'x',
            permissions: [
              `TNT#${tenant}#IdentityStore:getTenant`,
              'admin',
              `TNT#${tenant}#IdentityStore:root`,
            ],
          },
        }),
        400,
        'VALIDATION_FAILED',
      );
      expect(problem.errors!.map((e) => e.field)).toEqual(['permissions[1]', 'permissions[2]']);
    });
  });

  describe('key status and expiry', () => {
    it('a blocked key stops working at once, and works again when reactivated', async () => {
      const { tenant, admin } = await tenantWithAdmin(t.app);
      const victim = await createKey(t.app, tenant, [`TNT#${tenant}#IdentityStore:getTenant`]);
      const read = () =>
        call(t.app, 'GET', `/api/identity-store/tenants/${tenant}`, { key: victim.key });
      expectStatus(await read(), 200);
      expectStatus(
        await call(t.app, 'POST', `${keys}/${victim.id}`, {
          key: admin.key,
          body: { status: 'BLOCKED' },
        }),
        200,
      );
      expectProblem(await read(), 401, 'UNAUTHENTICATED');
      expectStatus(
        await call(t.app, 'POST', `${keys}/${victim.id}`, {
          key: admin.key,
          body: { status: 'ACTIVE' },
        }),
        200,
      );
      expectStatus(await read(), 200);
    });

    it('an archived key stops working', async () => {
      const { tenant, admin } = await tenantWithAdmin(t.app);
      const victim = await createKey(t.app, tenant, [`TNT#${tenant}#IdentityStore:getTenant`]);
      await call(t.app, 'POST', `${keys}/${victim.id}`, {
        key: admin.key,
        body: { status: 'ARCHIVED' },
      });
      expectProblem(
        await call(t.app, 'GET', `/api/identity-store/tenants/${tenant}`, { key: victim.key }),
        401,
        'UNAUTHENTICATED',
      );
    });

    it('a deleted key stops working', async () => {
      const { tenant, admin } = await tenantWithAdmin(t.app);
      const victim = await createKey(t.app, tenant, [`TNT#${tenant}#IdentityStore:getTenant`]);
      await call(t.app, 'DELETE', `${keys}/${victim.id}`, { key: admin.key });
      expectProblem(
        await call(t.app, 'GET', `/api/identity-store/tenants/${tenant}`, { key: victim.key }),
        401,
        'UNAUTHENTICATED',
      );
    });

    it('an expired key stops working', async () => {
      const { tenant } = await tenantWithAdmin(t.app);
      const victim = await createKey(t.app, tenant, [`TNT#${tenant}#IdentityStore:getTenant`], {
        expiresAt: new Date(Date.now() + 1500).toISOString(),
      });
      const read = () =>
        call(t.app, 'GET', `/api/identity-store/tenants/${tenant}`, { key: victim.key });
      expectStatus(await read(), 200);
      await new Promise((resolve) => setTimeout(resolve, 1600));
      expectProblem(await read(), 401, 'UNAUTHENTICATED');
    });

    it('refuses an expiry in the past', async () => {
      const { admin } = await tenantWithAdmin(t.app);
      const problem = expectProblem(
        await call(t.app, 'POST', keys, {
          key: admin.key,
          body: { name: 'x', permissions: [], expiresAt: '2000-01-01T00:00:00Z' },
        }),
        400,
        'VALIDATION_FAILED',
      );
      expect(problem.errors).toEqual([expect.objectContaining({ field: 'expiresAt' })]);
    });

    it('a wrong secret for a real key id is refused', async () => {
      const { tenant } = await tenantWithAdmin(t.app);
      const real = await createKey(t.app, tenant, [`TNT#${tenant}#IdentityStore:getTenant`]);
      const forged = `${real.key.slice(0, real.key.length - 43)}${'A'.repeat(43)}`;
      expectProblem(
        await call(t.app, 'GET', `/api/identity-store/tenants/${tenant}`, { key: forged }),
        401,
        'UNAUTHENTICATED',
      );
    });

    it('records lastUsedAt', async () => {
      const { tenant, admin } = await tenantWithAdmin(t.app);
      const used = await createKey(t.app, tenant, [`TNT#${tenant}#IdentityStore:getTenant`]);
      await call(t.app, 'GET', `/api/identity-store/tenants/${tenant}`, { key: used.key });
      await new Promise((resolve) => setTimeout(resolve, 100));
      const got = await call(t.app, 'GET', `${keys}/${used.id}`, { key: admin.key });
      expect(Date.parse(got.json().lastUsedAt)).toBeGreaterThan(Date.now() - 60_000);
    });
  });

  describe('tokens', () => {
    it('exchanges a key for an ES256 JWT that works as a bearer token, verifiable with the JWKS', async () => {
      const { tenant, admin } = await tenantWithAdmin(t.app);
      const res = await call(t.app, 'POST', `${keys}/issue`, { key: admin.key });
      expectStatus(res, 201);
      expect(res.json().ttl).toBe(900);
      const token = res.json().token as string;
      const header = JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString());
      expect(header).toMatchObject({ alg: 'ES256', typ: 'JWT', kid: expect.any(String) });

      const jwks = (await call(t.app, 'GET', '/.well-known/jwks.json')).json();
      const jwk = jwks.keys.find((k: { kid: string }) => k.kid === header.kid);
      expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
      expect(jwk.d).toBeUndefined();

      expectStatus(
        await call(t.app, 'GET', `/api/identity-store/tenants/${tenant}`, { token }),
        200,
      );
    });

    it('the platform key works as a bearer token too', async () => {
      const token = await issueToken(t.app, PLATFORM_KEY);
      expectStatus(await call(t.app, 'GET', '/api/identity-store/tenants', { token }), 200);
    });

    it('a token of a key blocked afterwards stops working', async () => {
      const { tenant, admin } = await tenantWithAdmin(t.app);
      const victim = await createKey(t.app, tenant, [`TNT#${tenant}#IdentityStore:getTenant`]);
      const token = await issueToken(t.app, victim.key);
      expectStatus(
        await call(t.app, 'GET', `/api/identity-store/tenants/${tenant}`, { token }),
        200,
      );
      await call(t.app, 'POST', `${keys}/${victim.id}`, {
        key: admin.key,
        body: { status: 'BLOCKED' },
      });
      expectProblem(
        await call(t.app, 'GET', `/api/identity-store/tenants/${tenant}`, { token }),
        401,
        'UNAUTHENTICATED',
      );
    });

    it('a token cannot be exchanged for another token', async () => {
      const { admin } = await tenantWithAdmin(t.app);
      const token = await issueToken(t.app, admin.key);
      expectProblem(await call(t.app, 'POST', `${keys}/issue`, { token }), 401, 'UNAUTHENTICATED');
    });

    it('refuses forged tokens: alg none, a foreign signing key, a tampered payload', async () => {
      const { tenant, admin } = await tenantWithAdmin(t.app);
      const token = await issueToken(t.app, admin.key);
      const [header, payload, signature] = token.split('.');
      const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());

      const none = `${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`;
      const tampered = `${header}.${b64({ ...claims, exp: claims.exp + 3600 })}.${signature}`;
      const { privateKey } = keyPair({ type: 'ec' });
      const kid = JSON.parse(Buffer.from(header, 'base64url').toString()).kid;
      const foreignInput = `${b64({ alg: 'ES256', typ: 'JWT', kid })}.${payload}`;
      const foreign = `${foreignInput}.${createSign('sha256')
        .update(foreignInput)
        .sign({ key: privateKey, dsaEncoding: 'ieee-p1363' })
        .toString('base64url')}`;
      const hmac = `${b64({ alg: 'HS256', typ: 'JWT', kid })}.${payload}.${signature}`;

      for (const forged of [none, tampered, foreign, hmac, 'not.a.token', 'x']) {
        expectProblem(
          await call(t.app, 'GET', `/api/identity-store/tenants/${tenant}`, { token: forged }),
          401,
          'UNAUTHENTICATED',
        );
      }
    });

    it('refuses a request carrying both an API key and a token', async () => {
      const { tenant, admin } = await tenantWithAdmin(t.app);
      const token = await issueToken(t.app, admin.key);
      expectProblem(
        await call(t.app, 'GET', `/api/identity-store/tenants/${tenant}`, {
          token,
          key: admin.key,
        }),
        401,
        'UNAUTHENTICATED',
      );
    });
  });

  it('answers 401 with WWW-Authenticate for missing or unknown credentials', async () => {
    const missing = await call(t.app, 'GET', keys);
    expectProblem(missing, 401, 'UNAUTHENTICATED');
    expect(missing.headers['www-authenticate']).toMatch(/Bearer/);
    expectProblem(await call(t.app, 'GET', keys, { key: 'idsk_nope' }), 401, 'UNAUTHENTICATED');
  });
});
