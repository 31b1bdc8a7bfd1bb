/**
 * The isolation harness: for EVERY operation in the generated OpenAPI document it checks that
 * (a) no credentials → 401, (b) a key without the permission → 403, (c) tenant B's key against
 * tenant A's resources → 401/403/404 with nothing of A in the body. New routes are covered the
 * day they are added; an operation that neither requires a permission nor is public fails here.
 */
import type { OpenAPIObject } from '@nestjs/swagger';
import type { Response } from 'light-my-request';
import { DocumentedOperation, documentedOperations } from '../support/openapi-operations';
import { buildOpenApiDocument } from '../../src/openapi/openapi';
import { call, CallOptions, createKey, tenantWithAdmin } from '../support/api';
import { seedTenantResources, TenantResources } from '../support/isolation-fixtures';
import { createTestApp, TestApp } from '../support/test-app';

type Op = DocumentedOperation;
const operations = documentedOperations;

describe('tenant isolation over every operation of the OpenAPI document', () => {
  let t: TestApp;
  let doc: OpenAPIObject;
  let a: TenantResources;
  let aAdminKey: string;
  let aNoPermissionKey: string;
  let bAdminKey: string;
  let tenantA: string;
  let failures: string[] = [];
  beforeEach(() => {
    failures = [];
  });

  beforeAll(async () => {
    t = await createTestApp();
    doc = buildOpenApiDocument(t.app);
    const tenantAWithAdmin = await tenantWithAdmin(t.app, 'iso-a');
    tenantA = tenantAWithAdmin.tenant;
    aAdminKey = tenantAWithAdmin.admin.key;
    aNoPermissionKey = (await createKey(t.app, tenantA, [])).key;
    bAdminKey = (await tenantWithAdmin(t.app, 'iso-b')).admin.key;
    a = await seedTenantResources(t.app, tenantA, aAdminKey);
  });
  afterAll(() => t.close());

  const urlOf = (op: Op): string =>
    op.path.replace(/\{(\w+)\}/g, (_, name: string) => {
      const value = a.params[name];
      if (value === undefined) {
        throw new Error(
          `no fixture for path parameter {${name}} of ${op.id}: add it to isolation-fixtures.ts`,
        );
      }
      return encodeURIComponent(value);
    });

  function check(op: Op, label: string, res: Response, allowed: number[]): void {
    const where = `${op.method} ${op.path} (${op.id}) ${label}`;
    if (!allowed.includes(res.statusCode)) {
      failures.push(
        `${where}: expected ${allowed.join('/')} got ${res.statusCode} ${res.body.slice(0, 200)}`,
      );
      return;
    }
    if (op.path.startsWith('/passage/')) {
      // the Passage-compatible routes answer in Passage's shape: {code, error}
      const body = JSON.parse(res.body) as Record<string, unknown>;
      if (typeof body.code !== 'string' || typeof body.error !== 'string') {
        failures.push(`${where}: not a Passage error`);
      }
    } else if (!/^application\/problem\+json/.test(String(res.headers['content-type']))) {
      failures.push(`${where}: not problem+json`);
    }
    // Ids the caller itself put in the URL may be echoed (instance, detail); anything else of A may not.
    const url = urlOf(op);
    const leaked = a.markers.filter((m) => res.body.includes(m) && !url.includes(m));
    if (leaked.length > 0) failures.push(`${where}: leaks ${leaked.join(', ')}`);
  }

  const send = (op: Op, options: CallOptions) =>
    call(t.app, op.method, urlOf(op), {
      ...options,
      body: op.method === 'GET' || op.method === 'DELETE' ? undefined : (op.body ?? {}),
    });

  it('has operations to check, each either public or guarded', () => {
    const ops = operations(doc);
    expect(ops.length).toBeGreaterThan(10);
    const unguarded = ops
      .filter((op) => !op.isPublic && !op.permission)
      .map((op) => `${op.method} ${op.path}`);
    expect(unguarded).toEqual([]);
    const publicOps = ops.filter((op) => op.isPublic).map((op) => `${op.method} ${op.path}`);
    // Reviewing this list is the point: every public operation is a deliberate decision.
    expect(publicOps.sort()).toEqual(
      [
        'GET /.well-known/jwks.json',
        'GET /api/health/live',
        'GET /api/health/ready',
        // the browser side of step-up transactions: the transaction id is the capability
        'GET /api/identity-store/browser/client.js',
        'POST /api/identity-store/browser/transactions/{transactionId}/finish',
        'POST /api/identity-store/browser/transactions/{transactionId}/start',
        'POST /api/identity-store/browser/{tenantId}/stores/{storeName}/relyingParties/{rpId}/authentications/{authPolicyName}',
        // a tenant's result-token public keys: public by nature (verifiers need no key)
        'GET /api/identity-store/{tenantId}/.well-known/jwks.json',
        // Passage's browser SDK: the transaction id (or, username-less, the public app id) is
        // the capability, as on /api/identity-store/browser (docs/security.md)
        'POST /passage/v1/apps/{appId}/authenticate/transactions/webauthn/finish',
        'POST /passage/v1/apps/{appId}/authenticate/transactions/webauthn/start',
        'POST /passage/v1/apps/{appId}/register/transactions/webauthn/finish',
        'POST /passage/v1/apps/{appId}/register/transactions/webauthn/start',
      ].sort(),
    );
  });

  it('(a) refuses every guarded operation without credentials', async () => {
    for (const op of operations(doc).filter((o) => !o.isPublic)) {
      check(op, 'without credentials', await send(op, {}), [401]);
    }
    expect(failures).toEqual([]);
  });

  it('(b) refuses every operation to a key of the tenant that lacks the permission', async () => {
    for (const op of operations(doc).filter((o) => !o.isPublic && !o.apiKeyOnly)) {
      check(
        op,
        'with a key lacking the permission',
        await send(op, { key: aNoPermissionKey, tenant: tenantA }),
        [403],
      );
    }
    expect(failures).toEqual([]);
  });

  it("(c) never lets tenant B's key reach tenant A's resources", async () => {
    for (const op of operations(doc).filter((o) => !o.isPublic && !o.apiKeyOnly)) {
      // B names A as the target tenant: refused before anything is looked up.
      check(
        op,
        "B's key with X-Tenant-Id A",
        await send(op, { key: bAdminKey, tenant: tenantA }),
        [403],
      );
      // B addresses A's resources by their ids in its own tenant: they do not exist there.
      const resourceParams = (op.path.match(/\{(\w+)\}/g) ?? []).filter((p) => p !== '{tenantId}');
      if (resourceParams.length > 0 || op.path.includes('{tenantId}')) {
        check(op, "B's key on A's ids", await send(op, { key: bAdminKey }), [403, 404]);
      } else {
        // B's own collection (list, create): must never contain A's data.
        const res = await send(op, { key: bAdminKey });
        const leaked = a.markers.filter((m) => res.body.includes(m));
        if (leaked.length > 0)
          failures.push(`${op.method} ${op.path} as B: leaks ${leaked.join(', ')}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it("A's resources are intact after all of B's attempts", async () => {
    for (const url of a.survivors) {
      const res = await call(t.app, 'GET', url, { key: aAdminKey });
      expect({ url, status: res.statusCode }).toEqual({ url, status: 200 });
    }
  });
});
